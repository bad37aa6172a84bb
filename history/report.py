"""监测月报 (monthly monitoring report), generated after each publish from the catalogue and the vintage known
at a moment (`asof`, default now): key indicators of Beijing with month-on-month and year-on-year change
(rates in percentage points), district tables, SVG charts and generated sentences — as HTML, PDF (printed by
headless Chromium) and XLSX in var/reports/history/<month>/ (directories 0700, files 0600). The figures and the
asof are recorded in history.report, so the report can be regenerated exactly: `python -m history report
--month 202501 --asof <asof of the archived one>`.

Every number comes from history.query.run — the same code path as the portal's /api/query.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from datetime import datetime
from html import escape
from pathlib import Path

from history import query, store

KEY = ["wh_pension_insured", "wh_pension_insured_active", "wh_pension_insured_retired", "wh_pension_contributors",
       "wh_pension_income", "wh_pension_paid", "wh_pension_dependency_ratio", "wh_unemp_insured",
       "wh_unemp_benefit_recipients", "wh_unemp_benefit_paid", "wh_injury_insured", "wh_registered_unemployed",
       "wh_registered_unemp_rate", "wh_job_seeker_ratio", "wh_arb_closure_rate", "wh_arb_mediation_rate",
       "wh_hotline_connect_rate"]
DISTRICT = ["wh_pension_insured", "wh_unemp_insured", "wh_injury_insured", "wh_registered_unemp_rate",
            "wh_arb_closure_rate"]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _period(month: str) -> str:
    m = month.replace("-", "")
    return f"{m[:4]}-{m[4:6]}"


def figures(conn, month: str, asof: str | None) -> dict:
    """The report's numbers: {key: [{indicator, region, value, mom, yoy, ...}], district: …}."""
    cat = store.catalogue()
    p = _period(month)
    districts = [r["code"] for r in cat.regions if r["level"] == "district"]

    def run(inds, regs, method_of):
        spec = {"indicators": inds, "regions": regs, "periods": {"from": p, "to": p}, "freq": "M",
                "methods": {i: method_of(i) for i in inds}, "asof": asof}
        res = query.run(conn, spec, use_cache=False)
        return {(c["indicator"], c["region"]): c for c in res["cells"]}

    def rows(inds, regs):
        lvl = run(inds, regs, lambda i: "level")
        mom = run(inds, regs, lambda i: "pop_pp" if cat.indicators[i]["unit"] == "%" else "pop")
        yoy = run(inds, regs, lambda i: "yoy_pp" if cat.indicators[i]["unit"] == "%" else "yoy")
        out = []
        for i in inds:
            d = cat.indicators[i]
            for r in regs:
                if (i, r) not in lvl:
                    continue
                lv, mm, yy = lvl[(i, r)], mom.get((i, r), {}), yoy.get((i, r), {})
                out.append({"indicator": i, "name_zh": d["name_zh"], "unit": d["unit"], "decimals": d["decimals"],
                            "region": r, "region_zh": cat.region_name(r), "period": p,
                            "value": lv["value"], "mom": mm.get("value"), "mom_note": mm.get("refused"),
                            "yoy": yy.get("value"), "yoy_note": yy.get("refused"),
                            "change_unit": "百分点" if d["unit"] == "%" else "%",
                            "known_from": lv.get("known_from"), "source": lv.get("source")})
        return out

    from history import forecast as fc

    warnings, skipped = [], []
    for i in KEY:
        obs = store.read(conn, [i], ["110000"], None, p, asof=asof, freq="M")
        w = fc.band_warning({o["period"]: None if o["value"] is None else float(o["value"]) for o in obs})
        if w and "skipped" in w:
            skipped.append(cat.indicators[i]["name_zh"])
        elif w:
            warnings.append(f"{cat.indicators[i]['name_zh']}: {w['message']}")
    warnings += [b["message"] for b in fc.budget_warnings(conn, p)]
    return {"month": p, "asof": asof, "catalogue_version": cat.version,
            "key": rows(KEY, ["110000"]), "district": rows(DISTRICT, districts),
            "warnings": warnings, "warnings_skipped": skipped}


def _fmt(v, d) -> str:
    return "—" if v is None else query.fmt(v, d)


def _big(v: float, unit: str) -> tuple[str, str]:
    if unit == "人" and v is not None and abs(v) >= 10000:
        return query.fmt(v / 10000, 2), "万人"
    if unit == "万元" and v is not None and abs(v) >= 10000:
        return query.fmt(v / 10000, 2), "亿元"
    return (query.fmt(v, 2 if unit in ("%", "倍") else 0) if v is not None else "—"), unit


def sentences(fig: dict) -> list[str]:
    y, m = fig["month"][:4], int(fig["month"][5:])
    out = []
    for r in fig["key"]:
        if r["value"] is None:
            continue
        val, unit = _big(r["value"], r["unit"])
        stock = store.catalogue().indicators[r["indicator"]]["kind"] == "stock"
        head = f"{y}年{m}月{'末' if stock else ''}全市{r['name_zh']}{'为' if r['unit'] in ('%', '倍') else ''}{val}{unit}"
        parts = []
        for key, label in (("yoy", "同比"), ("mom", "环比")):
            v = r[key]
            if v is None:
                continue
            if r["unit"] == "%":
                parts.append(f"{label}{'上升' if v > 0 else '下降' if v < 0 else '持平'}"
                             + (f"{abs(v):.2f}个百分点" if v else ""))
            else:
                parts.append(f"{label}{'增长' if v >= 0 else '下降'}{abs(v):.2f}%")
        if not any(r[k] is not None for k in ("yoy",)):
            parts.append("上年同期无可比数据")
        out.append(head + ("，" + "，".join(parts) if parts else "") + "。")
    return out


def _html(fig: dict, generated: str) -> str:
    from history import charts

    sent = sentences(fig)
    from history.forecast import MIN_POINTS

    fc_min = MIN_POINTS + 1
    key_rows = "".join(
        f"<tr><td>{escape(r['name_zh'])}</td><td>{escape(r['unit'])}</td><td class=num data-indicator='{r['indicator']}'>"
        f"{_fmt(r['value'], r['decimals'])}</td>"
        f"<td class=num>{_fmt(r['mom'], 2)}</td><td class=num>{_fmt(r['yoy'], 2)}</td><td>{r['change_unit']}</td></tr>"
        for r in fig["key"])
    dist_tables = []
    for ind in DISTRICT:
        rs = [r for r in fig["district"] if r["indicator"] == ind]
        if not rs:
            continue
        body = "".join(f"<tr><td>{escape(r['region_zh'])}</td><td class=num>{_fmt(r['value'], r['decimals'])}</td>"
                       f"<td class=num>{_fmt(r['mom'], 2)}</td><td class=num>{_fmt(r['yoy'], 2)}</td></tr>" for r in rs)
        chart = charts.bar_chart(f"{rs[0]['name_zh']}({rs[0]['unit']}) 分区", [r["region_zh"] for r in rs],
                                 [r["value"] for r in rs], unit=rs[0]["unit"], width=680, height=280)
        dist_tables.append(f"<h3>{escape(rs[0]['name_zh'])}({escape(rs[0]['unit'])})</h3><table><tr><th>区</th><th>本月</th>"
                           f"<th>环比({rs[0]['change_unit']})</th><th>同比({rs[0]['change_unit']})</th></tr>{body}</table>{chart}")
    notes = sorted({r["mom_note"] for r in fig["key"] if r["mom_note"]} | {r["yoy_note"] for r in fig["key"] if r["yoy_note"]})
    y, m = fig["month"][:4], int(fig["month"][5:])
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>监测月报 {y}年{m}月</title>
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:24px;color:#222}}h1{{color:#8b1a1a}}
table{{border-collapse:collapse;margin:8px 0}}td,th{{border:1px solid #bbb;padding:3px 8px;font-size:13px}}.num{{text-align:right}}
.sent li{{margin:4px 0}}.meta{{color:#666;font-size:12px}}h3{{page-break-after:avoid}}</style></head><body>
<h1>北京市人力资源和社会保障监测月报 {y}年{m}月</h1>
<p class=meta>数据版本(asof): {escape(str(fig['asof']))}; 指标体系版本 {fig['catalogue_version']}; 生成时间 {escape(generated)}。
资料来源: 北京市人力社保统计数据仓库正式版。比率指标的变化以百分点表示。</p>
<h2>一、主要指标</h2><ul class=sent>{''.join(f'<li>{escape(s)}</li>' for s in sent)}</ul>
<table><tr><th>指标</th><th>单位</th><th>本月</th><th>环比</th><th>同比</th><th>变化单位</th></tr>{key_rows}</table>
<h2>二、分区情况</h2>{''.join(dist_tables)}
<h2>三、预警</h2>{('<ul>' + ''.join(f'<li>{escape(w)}</li>' for w in fig.get('warnings', [])) + '</ul>') if fig.get('warnings') else '<p>本月没有预警。</p>'}
{f"<p class=meta>序列不足 {fc_min} 期、未做区间预警: {escape('、'.join(fig['warnings_skipped']))}。</p>" if fig.get('warnings_skipped') else ''}
{('<h2>注</h2><ul>' + ''.join(f'<li>{escape(n)}</li>' for n in notes) + '</ul>') if notes else ''}
</body></html>"""


def _xlsx(fig: dict, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "主要指标"
    y, m = fig["month"][:4], int(fig["month"][5:])
    ws.append([f"北京市人力资源和社会保障监测月报 {y}年{m}月"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"数据版本(asof) {fig['asof']}; 资料来源: 北京市人力社保统计数据仓库正式版"])
    ws.append(["指标", "单位", "本月", "环比", "同比", "变化单位"])
    for r in fig["key"]:
        ws.append([r["name_zh"], r["unit"], r["value"], r["mom"], r["yoy"], r["change_unit"]])
    ws.append([])
    for s in sentences(fig):
        ws.append([s])
    ws.column_dimensions["A"].width = 36
    ws2 = wb.create_sheet("分区")
    ws2.append(["指标", "单位", "区", "本月", "环比", "同比", "变化单位"])
    for r in fig["district"]:
        ws2.append([r["name_zh"], r["unit"], r["region_zh"], r["value"], r["mom"], r["yoy"], r["change_unit"]])
    ws2.column_dimensions["A"].width = 30
    wb.save(path)


def _private_dir(p: Path) -> None:
    p.mkdir(parents=True, exist_ok=True)
    for d in [p, *p.parents]:
        if d.name in ("reports", ""):
            break
        d.chmod(0o700)


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              "--disable-background-networking", "--disable-component-update", "--disable-sync",
                              f"--user-data-dir={profile}", "--no-pdf-header-footer",
                              f"--print-to-pdf={pdf_path}", html_path.as_uri()],
                             capture_output=True, text=True, timeout=120)
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium 未生成 PDF: {res.stderr[-500:]}")


def generate(month: str, asof: str | None = None, log=print, pdf: bool = True, url: str | None = None) -> dict[str, Path]:
    from foundation import settings

    with store.connect(dsn=url) as conn:
        store.sync_catalogue(conn)
        asof = asof or conn.execute("select now()").fetchone()[0].isoformat()
        fig = figures(conn, month, asof)
        generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        out_dir = settings.REPORTS / "history" / fig["month"].replace("-", "")
        _private_dir(out_dir)
        base = out_dir / f"监测月报_{fig['month'].replace('-', '')}"
        paths = {"html": base.with_suffix(".html"), "xlsx": base.with_suffix(".xlsx"), "json": base.with_suffix(".json")}
        old = os.umask(0o077)
        try:
            paths["html"].write_text(_html(fig, generated), encoding="utf-8")
            _xlsx(fig, paths["xlsx"])
            paths["json"].write_text(json.dumps(fig, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            if pdf:
                try:
                    print_pdf(paths["html"], base.with_suffix(".pdf"))
                    paths["pdf"] = base.with_suffix(".pdf")
                except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:   # no Chromium: HTML and XLSX stand
                    log(f"[history] 监测月报 PDF 未生成 ({e}); HTML 与 XLSX 已生成")
        finally:
            os.umask(old)
        for p in paths.values():
            p.chmod(0o600)
        conn.execute(f"insert into {store.SCHEMA}.report values (%s, now(), %s, %s, %s)",
                     (fig["month"].replace("-", ""), asof, str(base), json.dumps(fig, ensure_ascii=False, default=str)))
    log(f"[history] 监测月报 {fig['month']} (asof {asof}): {', '.join(str(p) for p in paths.values())}")
    return paths
