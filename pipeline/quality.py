"""数据质量报告: per month and source — files received / loaded / rejected by rule, new codes not in the
code tables, and every reconciliation difference the dbt balance tests found — as HTML and XLSX.

    python -m pipeline.quality --month 202407

Reads the load audit, the dbt run results (runtime.dbt.run_results: run_results.json) and the failing rows
dbt stored in schema test_failures. Written to var/reports/<YYYYMM>/数据质量报告_<YYYYMM>.{html,xlsx}.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
from pathlib import Path

import psycopg

from foundation import settings
from foundation.months import first_day
from foundation.rules import RULE_LABELS
from foundation.spec import load_specs
from runtime import dbt

RECON_LABELS = {"cube": "多维分析服务", "superset": "看板数据集", "check_table": "提供方核对表", "error": "无法核对"}


def _run_results() -> list[dict]:
    """The tests of the last dbt run (runtime.dbt.run_results), empty when there is none."""
    return [{"test": r["name"], "status": r["status"], "failures": r["failures"], "message": r["message"][:300]}
            for r in dbt.run_results() or [] if r["resource"] == "test"]


def collect(conn: psycopg.Connection, month: str) -> dict:
    mstart = first_day(month)
    specs = load_specs()
    sources = []
    for row in conn.execute("""
            select interface, provider, file_name, rows_read, rows_loaded, rows_rejected, status, findings_by_rule
            from (select distinct on (interface) * from audit.load_batch where data_month = %s
                  order by interface, batch_id desc) b order by provider, interface""", (mstart,)):
        spec = specs.get(row[0])
        sources.append({"source": spec.source if spec else "manual", "interface": row[0],
                        "title": spec.title if spec else row[0], "provider": row[1], "file": row[2],
                        "read": row[3], "loaded": row[4], "rejected": row[5], "status": row[6],
                        "by_rule": row[7]})
    new_codes = []
    for interface, column, raw, n in conn.execute("""
            select f.interface, f.column_name, min(f.raw_line), count(*)
            from audit.load_finding f
            join (select distinct on (interface) batch_id from audit.load_batch where data_month = %s
                  order by interface, batch_id desc) b using (batch_id)
            where f.rule = 'unknown_code'
            group by f.interface, f.column_name, f.message
            """, (mstart,)):
        spec = specs[interface]
        fields = bytes(raw).decode(spec.encoding, errors="replace").split(spec.delimiter)
        idx = spec.column_names.index(column)
        new_codes.append({"interface": interface, "title": spec.title, "column": column,
                          "label": spec.column(column).label, "code_table": spec.column(column).code_table,
                          "value": fields[idx] if idx < len(fields) else "?", "rows": n})
    tests = _run_results()
    differences = []
    for t in tests:  # warn: a consistency notice (rows kept, mapped to an unknown member), not a blocker
        if t["status"] in ("fail", "error", "warn") and t["failures"]:
            try:
                cols_rows = conn.execute(f'select * from test_failures."{t["test"]}" limit 50')
                cols = [d.name for d in cols_rows.description]
                for r in cols_rows.fetchall():
                    differences.append({"test": t["test"], **{c: (str(v) if v is not None else "") for c, v in zip(cols, r)}})
            except psycopg.Error:
                conn.rollback()
    reconciliation, recon_run = [], None
    if conn.execute("select to_regclass('audit.reconciliation')").fetchone()[0]:
        recon_run = conn.execute("select max(run_id) from audit.reconciliation").fetchone()[0]
        cur = conn.execute(
            "select indicator_code, indicator_name, comparison, published_in, month_key, district_code, mart_value, "
            "other_value, difference, note from audit.reconciliation where run_id = %s and comparison <> 'run' "
            "order by (month_key = %s) desc, indicator_code, comparison, month_key, district_code", (recon_run, int(month)))
        names = [d.name for d in cur.description]
        reconciliation = [dict(zip(names, r)) for r in cur.fetchall()]
    run = conn.execute("select status, forced, problems from audit.load_run where data_month = %s "
                       "order by run_id desc limit 1", (mstart,)).fetchone()
    from pipeline import governance

    stale = sorted(r["name"] for r in dbt.run_results() or []
                   if r["resource"] in ("model", "snapshot", "seed") and r["status"] in ("skipped", "error"))
    delivered = {x["interface"] for x in sources}
    not_delivered = sorted({(spec.source, spec.provider, spec.title) for name, spec in specs.items()
                            if name not in delivered and any(p.get("file_name") == spec.file_name(month)
                                                             for p in (run[2] if run else None) or [])})
    return {"month": month, "generated": dt.datetime.now().isoformat(timespec="seconds"), "sources": sources,
            "stale": stale, "not_delivered": [{"source": a, "provider": b, "title": c} for a, b, c in not_delivered],
            "new_codes": new_codes, "tests": tests, "differences": differences,
            "governance": governance.summary(conn, month),
            "reconciliation": reconciliation, "reconciliation_run": recon_run,
            "run": {"status": run[0], "forced": run[1], "problems": run[2]} if run else None}


def _html(q: dict) -> str:
    e = html.escape

    def table(header: list[str], rows: list[list]) -> str:
        if not rows:
            return "<p class='ok'>无</p>"
        return ("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>" +
                "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows) + "</table>")

    tests_failed = [t for t in q["tests"] if t["status"] in ("fail", "error")]
    m = q["month"]
    parts = [f"<h1>数据质量报告 {m[:4]}年{m[4:]}月</h1><p>生成时间 {e(q['generated'])}</p>",
             "<h2>一、完整性</h2>",
             table(["提供方", "文件", "问题", "说明"],
                   [[p["provider"], p["file_name"], p["problem"], p["detail"]] for p in (q["run"] or {}).get("problems", [])])
             + ("<p class='warn'>本月为强制加载</p>" if q["run"] and q["run"]["forced"] else ""),
             "<h3>未交付的接口(其来源的模型本期为空, 报表显示为 0)</h3>",
             table(["来源", "提供方", "接口"], [[x["source"], x["provider"], x["title"]] for x in q.get("not_delivered", [])]),
             "<h3>未更新(过期)的模型: 上游校验未通过或出错而跳过, 正式版中为旧数据或缺失</h3>",
             table(["模型"], [[x] for x in q.get("stale", [])]),
             "<h2>二、接收与加载</h2>",
             table(["来源", "接口", "文件", "读入", "入库", "拒绝", "状态", "按规则"],
                   [[s["source"], s["title"], s["file"], f"{s['read']:,}", f"{s['loaded']:,}", f"{s['rejected']:,}",
                     s["status"], "; ".join(f"{RULE_LABELS.get(k, k)} {v}" for k, v in s["by_rule"].items())]
                    for s in q["sources"]]),
             "<h2>三、代码表中没有的新代码(已保留, 归入“未知”成员)</h2>",
             table(["接口", "字段", "代码表", "新代码", "行数"],
                   [[c["title"], c["label"], c["code_table"], c["value"], c["rows"]] for c in q["new_codes"]]),
             f"<h2>四、平衡校验(dbt 测试 {len(q['tests'])} 项, 未通过 {len(tests_failed)} 项)</h2>",
             table(["测试", "状态", "差异行数", "信息"], [[t["test"], t["status"], t["failures"], t["message"]]
                                                   for t in tests_failed]),
             "<h3>提示(warn: 数据已保留并归入未知成员, 不阻止发布)</h3>",
             table(["测试", "状态", "行数", "信息"], [[t["test"], t["status"], t["failures"], t["message"]]
                                                for t in q["tests"] if t["status"] == "warn"]),
             "<h2>五、差异明细</h2>",
             table(["测试", "明细"], [[d["test"], ", ".join(f"{k}={v}" for k, v in d.items() if k != "test")]
                                   for d in q["differences"]]),
             "<h2>六、数据治理(跨来源规则, 异常已反馈提供方: 数据治理反馈_提供方_月份.xlsx)</h2>",
             table(["规则", "名称", "分类", "严重程度", "本月异常", "未解决", "反馈提供方"],
                   [[g["rule_id"], g["rule_name"], g["category"], g["severity"], g["anomalies"], g["open"],
                     g["providers"]] for g in q.get("governance", [])]),
             f"<h2>七、一数一源核对(核对 #{q.get('reconciliation_run') or '-'}: 每个发布指标在报表集市与多维服务、看板数据集、"
             f"提供方核对表之间逐月逐区县及全市比对; 差异 {len(q.get('reconciliation') or [])} 处)</h2>",
             table(["指标代码", "指标", "比对对象", "发布位置", "月份", "区县", "报表集市值", "比对值", "差值", "说明"],
                   [[r["indicator_code"], r["indicator_name"], RECON_LABELS.get(r["comparison"], r["comparison"]),
                     r["published_in"], r["month_key"] or "", "全市" if r["district_code"] == "110000" else (r["district_code"] or ""),
                     r["mart_value"], r["other_value"], r["difference"], r["note"] or ""]
                    for r in (q.get("reconciliation") or [])[:500]])]
    style = ("body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em;color:#222} table{border-collapse:collapse;"
             "margin:.5em 0 1.5em} th,td{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left} "
             "th{background:#eef3fa} .ok{color:#2a7} .warn{color:#c33;font-weight:bold} h2{margin-top:1.5em}")
    return f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>数据质量报告 {m}</title>" \
           f"<style>{style}</style><body>{''.join(parts)}</body></html>"


def _xlsx(path: Path, q: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheets = [
        ("接收与加载", ["来源", "接口", "提供方", "文件", "读入", "入库", "拒绝", "状态"],
         [[s["source"], s["title"], s["provider"], s["file"], s["read"], s["loaded"], s["rejected"], s["status"]]
          for s in q["sources"]]),
        ("完整性", ["提供方", "文件", "问题", "说明"],
         [[p["provider"], p["file_name"], p["problem"], p["detail"]] for p in (q["run"] or {}).get("problems", [])]),
        ("未交付与未更新", ["类别", "名称", "说明"],
         [["未交付的接口", x["title"], f"{x['provider']} / {x['source']}"] for x in q.get("not_delivered", [])]
         + [["未更新(过期)的模型", x, "上游校验未通过或出错而跳过"] for x in q.get("stale", [])]),
        ("新代码", ["接口", "字段", "代码表", "新代码", "行数"],
         [[c["title"], c["label"], c["code_table"], c["value"], c["rows"]] for c in q["new_codes"]]),
        ("平衡校验", ["测试", "状态", "差异行数", "信息"],
         [[t["test"], t["status"], t["failures"], t["message"]] for t in q["tests"]]),
        ("一数一源核对", ["指标代码", "指标", "比对对象", "发布位置", "月份", "区县", "报表集市值", "比对值", "差值", "说明"],
         [[r["indicator_code"], r["indicator_name"], RECON_LABELS.get(r["comparison"], r["comparison"]), r["published_in"],
           r["month_key"], "全市" if r["district_code"] == "110000" else r["district_code"],
           None if r["mart_value"] is None else float(r["mart_value"]),
           None if r["other_value"] is None else float(r["other_value"]),
           None if r["difference"] is None else float(r["difference"]), r["note"]]
          for r in q.get("reconciliation") or []]),
        ("差异明细", ["测试", "明细"],
         [[d["test"], ", ".join(f"{k}={v}" for k, v in d.items() if k != "test")] for d in q["differences"]]),
        ("数据治理", ["规则", "名称", "分类", "严重程度", "本月异常", "未解决", "反馈提供方"],
         [[g["rule_id"], g["rule_name"], g["category"], g["severity"], g["anomalies"], g["open"], g["providers"]]
          for g in q.get("governance", [])]),
    ]
    for k, (title, header, rows) in enumerate(sheets):
        ws = wb.active if k == 0 else wb.create_sheet()
        ws.title = title
        ws.append(header)
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(r)
        for col in "ABCDEFGHIJ":
            ws.column_dimensions[col].width = 24
    wb.save(path)


def write(month: str, url: str | None = None, out: Path | None = None) -> list[Path]:
    out = out or settings.REPORTS / month
    out.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        q = collect(conn, month)
    html_path = out / f"数据质量报告_{month}.html"
    html_path.write_text(_html(q), encoding="utf-8")
    xlsx_path = out / f"数据质量报告_{month}.xlsx"
    _xlsx(xlsx_path, q)
    return [html_path, xlsx_path]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.quality")
    ap.add_argument("--month", required=True)
    a = ap.parse_args(argv)
    for p in write(a.month):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
