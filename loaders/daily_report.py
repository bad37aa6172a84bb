"""数据错误报告(按日增量): per provider and month of business dates, the daily files' load figures, their findings by
rule and column with what to fix, sample lines as delivered, and the days that wait (gap, no completion signal,
held) — the same report (text + XLSX, Chinese) as the monthly one (loaders/report.py), from audit.daily_*.
Written to var/reports/daily/<YYYYMM>/数据错误报告_按日_<provider>_<YYYYMM>.{txt,xlsx} after every daily run.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg

from foundation import settings
from foundation.daily_spec import load_daily_specs
from foundation.rules import RULE_HINTS, RULE_LABELS
from loaders.report import SAMPLES_PER_GROUP, _safe, _text, _visible, _xlsx

EXTRA_LABELS = {"change_op": "变更类型无效", "change_date": "变更日期与文件日期不符",
                "change_insert_exists": "新增记录已存在", "change_missing": "修改/删除的记录不存在"}
EXTRA_HINTS = {"change_op": "变更类型只能是 I、U、D; 请更正后重报该日文件",
               "change_date": "每行的变更业务日期须等于文件名中的日期; 请把该行放入其所属日期的文件",
               "change_insert_exists": "该主键已在当前状态中: 应报送为修改(U), 或检查此前是否漏报删除(D)",
               "change_missing": "该主键不在当前状态中: 应报送为新增(I), 或检查此前是否漏报新增"}


def collect(conn: psycopg.Connection, month: str, waiting: dict[str, list[dict]] | None = None) -> dict[str, dict]:
    specs = load_daily_specs()
    start = dt.date(int(month[:4]), int(month[4:]), 1)
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    reports: dict[str, dict] = {}

    def rep(provider: str) -> dict:
        return reports.setdefault(provider, {"files": [], "rules": [], "samples": [], "problems": []})

    for did, iface, provider, fname, read, applied, rejected, status, message in conn.execute("""
            select delivery_id, interface, provider, file_name, rows_read, rows_applied, rows_rejected, status, message
              from audit.daily_delivery where business_date >= %s and business_date < %s and status <> 'superseded'
             order by interface, seq, delivery_id""", (start, end)).fetchall():
        ds = specs.get(iface)
        r = rep(provider)
        r["files"].append({"file": fname, "title": ds.title if ds else iface, "read": read, "loaded": applied,
                           "rejected": rejected, "status": status, "message": message or ""})
        for rule, column, severity, n in conn.execute(
                "select rule, coalesce(column_name, ''), severity, count(*) from audit.daily_finding "
                "where delivery_id = %s group by 1, 2, 3 order by 4 desc", (did,)):
            label = ds.spec.column(column).label if ds and column in ds.spec.column_names else ""
            r["rules"].append({"file": fname, "rule": rule, "rule_label": EXTRA_LABELS.get(rule, RULE_LABELS.get(rule, rule)),
                               "column": column, "column_label": label, "severity": severity, "count": n,
                               "hint": EXTRA_HINTS.get(rule, RULE_HINTS.get(rule, ""))})
        for line_no, column, rule, message, raw in conn.execute("""
                select line_no, coalesce(column_name, ''), rule, message, raw_line from (
                    select *, row_number() over (partition by rule, column_name order by line_no) as k
                    from audit.daily_finding where delivery_id = %s) s
                where k <= %s order by rule, column_name, line_no""", (did, SAMPLES_PER_GROUP)):
            r["samples"].append({"file": fname, "line": line_no, "column": column, "rule": rule,
                                 "rule_label": EXTRA_LABELS.get(rule, RULE_LABELS.get(rule, rule)), "message": message,
                                 "raw": _visible(bytes(raw).decode(ds.spec.encoding if ds else "utf-8", errors="replace"))})
    for iface, items in (waiting or {}).items():
        ds = specs.get(iface)
        if ds is None:
            continue
        for w in items:
            rep(ds.provider)["problems"].append({"file_name": w.get("file") or f"{ds.title} 序号 {w.get('seq')}",
                                                 "problem": "waiting", "detail": w["reason"]})
    return reports


def write_reports(month: str, url: str | None = None, out: Path | None = None,
                  waiting: dict[str, list[dict]] | None = None) -> list[Path]:
    out = out or settings.REPORTS / "daily" / month
    written = []
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        for provider, rep in collect(conn, month, waiting).items():
            out.mkdir(parents=True, exist_ok=True)
            base = out / f"数据错误报告_按日_{_safe(provider)}_{month}"
            base.with_suffix(".txt").write_text(_text(provider + "(按日增量)", month, rep), encoding="utf-8")
            _xlsx(base.with_suffix(".xlsx"), provider + "(按日增量)", month, rep)
            written += [base.with_suffix(".txt"), base.with_suffix(".xlsx")]
    return written
