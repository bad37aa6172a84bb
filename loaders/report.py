"""数据错误报告: one report per provider and month, from the load audit — XLSX and text, in Chinese.

For each of the provider's files: rows read / loaded / rejected and status; findings counted by rule
and column with what to fix; sample rows exactly as delivered; files missing or wrong in the drop.
Written to var/reports/<YYYYMM>/数据错误报告_<provider>_<YYYYMM>.{xlsx,txt}.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import psycopg

from foundation import settings
from foundation.months import first_day
from foundation.rules import RULE_HINTS, RULE_LABELS
from foundation.spec import load_specs

SAMPLES_PER_GROUP = 5


def _visible(text: str) -> str:
    """Control characters shown as <0x00> (a sample row exactly as delivered, readable, and storable in XLSX)."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"<0x{ord(m.group()):02X}>", text)


def _safe(name: str) -> str:
    return re.sub(r"[\\/:*?\"<>|()（）\s]+", "_", name).strip("_")


def collect(conn: psycopg.Connection, month: str) -> dict[str, dict]:
    """Per provider: files (latest batch per interface), counts by rule/column, samples, problems."""
    mstart = first_day(month)
    specs = load_specs()
    by_provider: dict[str, dict] = {}
    for spec in specs.values():
        by_provider.setdefault(spec.provider, {"files": [], "rules": [], "samples": [], "problems": []})
    batches = conn.execute("""
        select distinct on (interface) batch_id, interface, provider, file_name, rows_read, rows_loaded,
               rows_rejected, status, message
        from audit.load_batch where data_month = %s
        order by interface, batch_id desc""", (mstart,)).fetchall()
    for b in batches:
        rep = by_provider.setdefault(b[2], {"files": [], "rules": [], "samples": [], "problems": []})
        title = specs[b[1]].title if b[1] in specs else b[1]
        rep["files"].append({"batch_id": b[0], "interface": b[1], "title": title, "file": b[3], "read": b[4],
                             "loaded": b[5], "rejected": b[6], "status": b[7], "message": b[8] or ""})
        for rule, column, severity, n in conn.execute("""
                select rule, coalesce(column_name, ''), severity, count(*) from audit.load_finding
                where batch_id = %s group by 1, 2, 3 order by 4 desc""", (b[0],)):
            label = specs[b[1]].column(column).label if b[1] in specs and column in specs[b[1]].column_names else ""
            rep["rules"].append({"file": b[3], "rule": rule, "rule_label": RULE_LABELS.get(rule, rule),
                                 "column": column, "column_label": label, "severity": severity, "count": n,
                                 "hint": RULE_HINTS.get(rule, "")})
        for line_no, column, rule, message, raw in conn.execute("""
                select line_no, coalesce(column_name, ''), rule, message, raw_line from (
                    select *, row_number() over (partition by rule, column_name order by line_no) as k
                    from audit.load_finding where batch_id = %s) s
                where k <= %s order by rule, column_name, line_no""", (b[0], SAMPLES_PER_GROUP)):
            enc = specs[b[1]].encoding if b[1] in specs else "utf-8"
            rep["samples"].append({"file": b[3], "line": line_no, "column": column, "rule": rule,
                                   "rule_label": RULE_LABELS.get(rule, rule), "message": message,
                                   "raw": _visible(bytes(raw).decode(enc, errors="replace"))})
    run = conn.execute("select problems from audit.load_run where data_month = %s order by run_id desc limit 1",
                       (mstart,)).fetchone()
    for p in (run[0] if run else []):
        by_provider.setdefault(p["provider"], {"files": [], "rules": [], "samples": [], "problems": []})
        by_provider[p["provider"]]["problems"].append(p)
    return {k: v for k, v in by_provider.items() if v["files"] or v["problems"]}


def _text(provider: str, month: str, rep: dict) -> str:
    out = [f"数据错误报告 — {provider}", f"数据月份: {month[:4]}年{month[4:]}月    生成时间: "
           f"{dt.datetime.now():%Y-%m-%d %H:%M}", ""]
    out.append("一、文件缺失或不完整")
    out += [f"  - {p['file_name']}: {p['detail']}" for p in rep["problems"]] or ["  无"]
    out.append("")
    out.append("二、文件加载情况")
    for f in rep["files"]:
        out.append(f"  - {f['file']} ({f['title']}): 读入 {f['read']:,} 行, 入库 {f['loaded']:,} 行, "
                   f"拒绝 {f['rejected']:,} 行, 状态 {f['status']}" + (f" — {f['message']}" if f["message"] else ""))
    out.append("")
    out.append("三、问题统计(按规则和字段)")
    if not rep["rules"]:
        out.append("  无")
    for r in rep["rules"]:
        kind = "拒绝" if r["severity"] == "reject" else "提示"
        out.append(f"  - [{kind}] {r['file']} {r['rule_label']} 字段 {r['column_label'] or r['column'] or '整行'}: "
                   f"{r['count']:,} 处。处理建议: {r['hint']}")
    out.append("")
    out.append(f"四、样例(每类最多 {SAMPLES_PER_GROUP} 行, 原始内容)")
    for s in rep["samples"]:
        out.append(f"  - {s['file']} 第 {s['line']} 行 [{s['rule_label']}] {s['message']}\n      {s['raw']}")
    return "\n".join(out) + "\n"


def _xlsx(path: Path, provider: str, month: str, rep: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheets = [
        ("加载情况", ["文件", "接口", "读入行数", "入库行数", "拒绝行数", "状态", "说明"],
         [[f["file"], f["title"], f["read"], f["loaded"], f["rejected"], f["status"], f["message"]] for f in rep["files"]]),
        ("问题统计", ["文件", "规则", "规则说明", "字段", "字段名称", "类别", "次数", "处理建议"],
         [[r["file"], r["rule"], r["rule_label"], r["column"], r["column_label"],
           "拒绝" if r["severity"] == "reject" else "提示", r["count"], r["hint"]] for r in rep["rules"]]),
        ("样例", ["文件", "行号", "字段", "规则", "说明", "原始行"],
         [[s["file"], s["line"], s["column"], s["rule_label"], s["message"], s["raw"]] for s in rep["samples"]]),
        ("缺失文件", ["文件", "问题", "说明"],
         [[p["file_name"], p["problem"], p["detail"]] for p in rep["problems"]]),
    ]
    first = True
    for title, header, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        ws.append([f"数据错误报告 — {provider} — {month[:4]}年{month[4:]}月"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(header)
        for c in ws[2]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(r)
        for k, h in enumerate(header, 1):
            ws.column_dimensions[chr(64 + k)].width = 60 if h in ("原始行", "处理建议", "说明") else 16
    wb.save(path)


def write_reports(month: str, url: str | None = None, out: Path | None = None) -> list[Path]:
    out = out or settings.REPORTS / month
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        for provider, rep in collect(conn, month).items():
            base = out / f"数据错误报告_{_safe(provider)}_{month}"
            base.with_suffix(".txt").write_text(_text(provider, month, rep), encoding="utf-8")
            _xlsx(base.with_suffix(".xlsx"), provider, month, rep)
            written += [base.with_suffix(".txt"), base.with_suffix(".xlsx")]
    return written
