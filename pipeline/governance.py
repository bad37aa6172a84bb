"""数据治理反馈: per source provider and data month, an XLSX (Chinese) listing every anomaly the governance rules
found in that provider's records — rule, severity, what to fix, the records — for the provider to correct and
re-deliver; and the governance figures of the quality report.

    python -m pipeline.governance feedback --month 202412

Reads intermediate.int_governance__anomalies (the union of the rule models, see warehouse/models/intermediate/
governance). A provider gets the anomalies of its own records and those where it is the counterpart (e.g. the
pension provider for a payment after a registered death). Written to
var/reports/<YYYYMM>/数据治理反馈_<提供方>_<YYYYMM>.xlsx.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

import psycopg

from foundation import settings

DETAIL_COLUMNS = [("rule_id", "规则编号"), ("rule_name", "规则名称"), ("category", "治理分类"), ("severity", "严重程度"),
                  ("role", "本方角色"), ("interface", "需更正记录所在接口"), ("data_month", "数据月份"),
                  ("record_key", "记录(身份证号/统一社会信用代码)"), ("counterpart", "比对方接口"), ("detail", "异常说明"),
                  ("what_to_fix", "更正建议"), ("status", "状态")]
STATUS = {"open": "未解决", "resolved": "已更正"}


def _month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[4:6]), 1)


def anomalies(conn: psycopg.Connection, month: str) -> list[dict]:
    """Every anomaly whose record belongs to the data month; [] when the governance models are not built."""
    try:
        cur = conn.execute(
            """select rule_id, rule_name, category, severity, interface, provider, to_char(data_month, 'YYYYMM'),
                      record_key, counterpart, counterpart_provider, detail, what_to_fix, status
               from intermediate.int_governance__anomalies where data_month = %s
               order by rule_id, interface, record_key""", (_month_start(month),))
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        return []
    cols = ["rule_id", "rule_name", "category", "severity", "interface", "provider", "data_month", "record_key",
            "counterpart", "counterpart_provider", "detail", "what_to_fix", "status"]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def summary(conn: psycopg.Connection, month: str) -> list[dict]:
    """Per rule: the month's anomalies (open / resolved) — every rule listed, 0 when clean."""
    try:
        rows = conn.execute(
            """select g.rule_id, g.rule_name, g.category, g.severity,
                      count(a.rule_id), count(a.rule_id) filter (where a.status = 'open'),
                      string_agg(distinct a.provider, '、')
               from codes.governance_rule g
               left join intermediate.int_governance__anomalies a on a.rule_id = g.rule_id and a.data_month = %s
               group by g.rule_id, g.rule_name, g.category, g.severity order by g.rule_id""",
            (_month_start(month),)).fetchall()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        return []
    return [{"rule_id": r[0], "rule_name": r[1], "category": r[2], "severity": r[3], "anomalies": r[4], "open": r[5],
             "providers": r[6] or ""} for r in rows]


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>| ]', "_", name)


def write_feedback(month: str, url: str | None = None, out: Path | None = None) -> list[Path]:
    """One XLSX per provider with anomalies in the month; returns the files written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out = out or settings.REPORTS / month
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        rows = anomalies(conn, month)
    by_provider: dict[str, list[dict]] = {}
    for r in rows:
        by_provider.setdefault(r["provider"] or r["interface"], []).append({**r, "role": "记录提供方"})
        if r["counterpart_provider"] and r["counterpart_provider"] != r["provider"]:
            by_provider.setdefault(r["counterpart_provider"], []).append({**r, "role": "比对方"})
    for old in out.glob(f"数据治理反馈_*_{month}.xlsx"):
        old.unlink()
    paths = []
    for provider, items in sorted(by_provider.items()):
        out.mkdir(parents=True, exist_ok=True)
        wb = Workbook()
        ws = wb.active
        ws.title = "汇总"
        ws.append([f"数据治理异常反馈 {provider} {month[:4]}年{month[4:]}月"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(["规则编号", "规则名称", "治理分类", "严重程度", "异常数", "未解决", "更正建议"])
        seen: dict[str, list] = {}
        for r in items:
            s = seen.setdefault(r["rule_id"], [r["rule_id"], r["rule_name"], r["category"], r["severity"], 0, 0,
                                               r["what_to_fix"]])
            s[4] += 1
            s[5] += r["status"] == "open"
        for s in seen.values():
            ws.append(s)
        detail = wb.create_sheet("异常记录")
        detail.append([label for _, label in DETAIL_COLUMNS])
        for r in items:
            detail.append([STATUS.get(r[k], r[k]) if k == "status" else r[k] for k, _ in DETAIL_COLUMNS])
        for sheet in (ws, detail):
            for c in sheet[2 if sheet is ws else 1]:
                c.font = Font(bold=True)
            for col, width in zip("ABCDEFGHIJKL", (10, 26, 12, 10, 14, 22, 10, 24, 22, 50, 60, 10)):
                sheet.column_dimensions[col].width = width
        path = out / f"数据治理反馈_{_safe(provider)}_{month}.xlsx"
        wb.save(path)
        paths.append(path)
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.governance")
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("feedback", help="anomaly feedback XLSX per provider for a data month")
    f.add_argument("--month", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "feedback":
        paths = write_feedback(a.month)
        for p in paths:
            print(p)
        if not paths:
            print(f"{a.month}: 无治理异常")
    return 0


if __name__ == "__main__":
    sys.exit(main())
