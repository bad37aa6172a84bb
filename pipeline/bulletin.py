"""监督快报 (supervision bulletin) of a month: what the data engineers and the supervision office read after each
publish — how the month's deliveries went (files, rows loaded and rejected by rule, reconciliation differences),
the data-governance anomalies by rule (rpt_governance_anomaly_summary), and the key indicators of the official
release with their month-on-month and year-on-year change. Chinese text, XLSX and PDF, archived under
var/reports/<YYYYMM>/监督快报/ and listed in the portal.

    python -m cli bulletin --month YYYYMM [--release official|review]

Generated at every publish (from the official release); run by hand for any month the release holds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from decimal import Decimal
from html import escape
from pathlib import Path

import psycopg
from psycopg import sql

from documents import html, pdf, xlsx
from documents.layout import Column, Table
from foundation import settings
from foundation.months import first_day
from foundation.rules import RULE_LABELS

FOLDER = "监督快报"
# key indicators: (mart, column, label, unit, kind) — kind "count"/"amount"/"ratio"; the Beijing row of each mart
KEY_INDICATORS = (
    ("rpt_pension_overview", "insured_total", "企业职工养老保险参保人数", "人", "count"),
    ("rpt_pension_overview", "contribution_income", "企业职工养老保险基金征缴收入", "元", "amount"),
    ("rpt_pension_overview", "pension_paid", "企业职工养老金发放", "元", "amount"),
    ("rpt_public_pension_overview", "insured_total", "机关事业单位养老保险参保人数", "人", "count"),
    ("rpt_residents_pension_overview", "insured", "城乡居民养老保险参保人数", "人", "count"),
    ("rpt_unemployment_overview", "insured", "失业保险参保人数", "人", "count"),
    ("rpt_unemployment_overview", "benefit_recipients", "失业保险金领取人数", "人", "count"),
    ("rpt_injury_overview", "insured", "工伤保险参保人数", "人", "count"),
    ("rpt_unemployed_registry_overview", "registered", "期末登记失业人数", "人", "count"),
    ("rpt_arbitration_overview", "accepted", "劳动人事争议仲裁受理案件数", "件", "count"),
)
SCHEMAS = {"official": "official", "review": "marts"}


def _month_key(month: str, back: int) -> int:
    y, m = int(month[:4]), int(month[4:])
    i = y * 12 + m - 1 - back
    return (i // 12) * 100 + i % 12 + 1


def _change(now, before):
    if now is None or before is None or before == 0:
        return None
    return (Decimal(now) - Decimal(before)) / Decimal(before)


def collect(conn, month: str, schema: str = "official") -> dict:
    key = int(month)
    indicators = []
    for mart, col, label, unit, kind in KEY_INDICATORS:
        q = sql.SQL("select month_key, {} from {}.{} where district_code = '110000' and month_key = any(%s)").format(
            sql.Identifier(col), sql.Identifier(schema), sql.Identifier(mart))
        vals = dict(conn.execute(q, ([key, _month_key(month, 1), _month_key(month, 12)],)).fetchall())
        now, prev, last_year = vals.get(key), vals.get(_month_key(month, 1)), vals.get(_month_key(month, 12))
        indicators.append({"label": label, "unit": unit, "kind": kind, "value": now, "previous": prev,
                           "last_year": last_year, "mom": _change(now, prev), "yoy": _change(now, last_year)})
    mstart = first_day(month)
    sources = conn.execute(
        "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0)"
        " from (select distinct on (interface) * from audit.load_batch where data_month = %s "
        "order by interface, batch_id desc) b", (mstart,)).fetchone()
    by_rule: dict[str, int] = {}
    for (findings,) in conn.execute(
            "select findings_by_rule from (select distinct on (interface) * from audit.load_batch "
            "where data_month = %s order by interface, batch_id desc) b", (mstart,)):
        for rule, n in (findings or {}).items():
            by_rule[rule] = by_rule.get(rule, 0) + int(n)
    recon = conn.execute(
        "select count(*) filter (where comparison <> 'run' and difference is not null and difference <> 0) "
        "from audit.reconciliation where run_id = (select max(run_id) from audit.reconciliation)"
    ).fetchone()[0] if conn.execute("select to_regclass('audit.reconciliation')").fetchone()[0] else None
    gov = conn.execute(sql.SQL(
        "select rule_id, rule_name, category, severity, sum(anomalies)::bigint, sum(open_anomalies)::bigint "
        "from {}.rpt_governance_anomaly_summary where data_month = %s group by 1, 2, 3, 4 "
        "order by sum(anomalies) desc, rule_id").format(sql.Identifier(schema)), (mstart,)).fetchall()
    return {"month": month, "release": "正式版" if schema == "official" else "审核版", "indicators": indicators,
            "loads": {"files": sources[0], "read": sources[1], "loaded": sources[2], "rejected": sources[3],
                      "by_rule": dict(sorted(by_rule.items(), key=lambda kv: -kv[1]))},
            "reconciliation_differences": recon,
            "governance": [dict(zip(("rule_id", "rule_name", "category", "severity", "anomalies", "open"), r))
                           for r in gov]}


def _pct(x) -> str:
    return " —" if x is None else f"{'增长' if x >= 0 else '下降'} {abs(x) * 100:.2f}%"


def _num(v, kind) -> str:
    if v is None:
        return "—"
    return f"{Decimal(v) / 10000:,.2f} 万元" if kind == "amount" else f"{Decimal(v):,.0f}"


def text(b: dict) -> str:
    m = b["month"]
    lines = [f"监督快报 {m[:4]}年{int(m[4:])}月", ""]
    ld = b["loads"]
    lines.append(f"一、数据交付与质量: 本月接收接口文件 {ld['files']} 个, 读入 {ld['read']:,} 行, 入库 {ld['loaded']:,} 行, "
                 f"拒绝 {ld['rejected']:,} 行"
                 + ("" if not ld["by_rule"] else "; 主要问题: " + "、".join(
                     f"{RULE_LABELS.get(r, r)} {n:,} 条" for r, n in list(ld["by_rule"].items())[:5]))
                 + ("。" if b["reconciliation_differences"] is None else
                    f"; 一数一源核对差异 {b['reconciliation_differences']} 处。"))
    gov = [g for g in b["governance"] if g["anomalies"]]
    total = sum(g["anomalies"] for g in gov)
    severe = sum(g["anomalies"] for g in gov if g["severity"] == "严重")
    lines.append(f"二、数据治理异常: 共发现 {total:,} 条(其中严重 {severe:,} 条), 未解决 "
                 f"{sum(g['open'] for g in gov):,} 条"
                 + ("" if not gov else "; 居前的规则: " + "、".join(
                     f"{g['rule_name']}({g['severity']}) {g['anomalies']:,} 条" for g in gov[:5])) + "。")
    parts = []
    for i in b["indicators"]:
        if i["value"] is None:
            continue
        parts.append(f"{i['label']} {_num(i['value'], i['kind'])}{'' if i['kind'] == 'amount' else i['unit']}"
                     f"(环比{_pct(i['mom'])}, 同比{_pct(i['yoy'])})")
    lines.append(f"三、主要指标(全市, {b['release']}): " + "; ".join(parts) + "。")
    lines += ["", "注: 环比 = (本月 − 上月) ÷ 上月, 同比 = (本月 − 上年同月) ÷ 上年同月; 上月或上年同月不在库时记为“—”。"]
    return "\n".join(lines)


def tables(b: dict) -> list[Table]:
    m = f"{b['month'][:4]}年{int(b['month'][4:])}月"
    ind = Table("监督快报 · 主要指标", "指标",
                [Column("unit", ("计量单位",)), Column("value", ("本月",), -1), Column("previous", ("上月",), -1),
                 Column("last_year", ("上年同月",), -1), Column("mom", ("增长率", "环比"), 2, percent=True),
                 Column("yoy", ("增长率", "同比"), 2, percent=True)],
                [(i["label"], i) for i in b["indicators"]], subtitle=[f"报告期: {m}    范围: 全市"],
                notes=["注: 环比、同比为增长率; 上月或上年同月不在库时为“—”。"],
                footer=[("制表单位", "北京市人力资源和社会保障局"), ("制表日期", dt.date.today().isoformat())])
    gov = Table("监督快报 · 数据治理异常", "规则",
                [Column("rule_name", ("规则名称",)), Column("category", ("治理分类",)), Column("severity", ("严重程度",)),
                 Column("anomalies", ("异常数", "本月")), Column("open", ("异常数", "未解决"))],
                [(g["rule_id"], g) for g in b["governance"]], subtitle=[f"报告期: {m}"],
                notes=["来源: 报表集市 rpt_governance_anomaly_summary(数据治理规则按月的异常数)。"],
                footer=[("制表单位", "北京市人力资源和社会保障局"), ("制表日期", dt.date.today().isoformat())])
    return [ind, gov]


def generate(month: str, release: str = "official", url: str | None = None, log=print) -> list[Path]:
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        b = collect(conn, month, SCHEMAS[release])
    target = settings.private_dir(settings.REPORTS / month / FOLDER)
    stem = f"监督快报_{month}"
    body = text(b)
    settings.write_private(target / f"{stem}.txt", body + "\n")
    ts = tables(b)
    paths = [target / f"{stem}.txt", xlsx.write(ts, target / f"{stem}.xlsx", ["主要指标", "数据治理异常"])]
    first, *rest = [line for line in body.splitlines() if line]
    intro = f"<h1>{escape(first)}</h1>" + "".join(f"<p>{escape(line)}</p>" for line in rest)
    paths += pdf.print_all([(html.page(ts, stem, extra_html=f'<section class="page">{intro}</section>'),
                             target / f"{stem}.pdf")])
    settings.write_private(target / "index.json", json.dumps(
        {"month": month, "release": release, "generated_at": dt.datetime.now().astimezone().isoformat(
            timespec="seconds"), "files": [p.name for p in paths], "summary": body.splitlines()[2:5]},
        ensure_ascii=False, indent=1))
    log(f"[bulletin] 监督快报 {month}: {', '.join(p.name for p in paths)} → {target}")
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cli bulletin", description="监督快报 of a month")
    ap.add_argument("--month", required=True, help="YYYYMM")
    ap.add_argument("--release", choices=("official", "review"), default="official")
    a = ap.parse_args(argv)
    try:
        generate(a.month, a.release)
    except (psycopg.Error, pdf.PdfError) as e:
        print(f"[bulletin] {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
