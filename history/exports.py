"""Exports of a free-combination result: XLSX (Chinese headers, units, footnotes, source line), CSV (UTF-8
with BOM, long format) and JSON-stat 2.0."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from history import query

FLAG_CODES = {"provisional": "p", "revised": "r", "estimated": "e", "is_break": "b"}
FLAG_ZH = {"provisional": "初步数", "revised": "修订数", "estimated": "估计数", "is_break": "断点"}


def _title(res: dict) -> str:
    return "、".join(i["name_zh"] for i in res["indicators"][:3]) + ("等" if len(res["indicators"]) > 3 else "")


def _sources(res: dict) -> list[str]:
    seen = []
    for i in res["indicators"]:
        if i.get("source") and i["source"] not in seen:
            seen.append(i["source"])
    return seen


def _notes(res: dict) -> list[str]:
    names = {i["code"]: i["name_zh"] for i in res["indicators"]}
    regions = {r["code"]: r["name_zh"] for r in res["regions"]}
    out, seen = [], set()
    for c in res["cells"]:
        if c.get("footnote") and c["footnote"] not in seen:
            seen.add(c["footnote"])
            out.append(f"{names[c['indicator']]}·{regions[c['region']]}·{c['period']}: {c['footnote']}")
        if c.get("refused") and ("refused", c["indicator"], c["refused"]) not in seen:
            seen.add(("refused", c["indicator"], c["refused"]))
            out.append(f"{names[c['indicator']]}: 未计算 — {c['refused']}")
    return out


def xlsx(res: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    pv = query.pivot(res)
    dec = {i["code"]: i["decimals"] for i in res["indicators"]}
    wb = Workbook()
    ws = wb.active
    ws.title = "查询结果"
    ws.append([f"{_title(res)} — 自由组合查询"])
    ws["A1"].font = Font(bold=True, size=14)
    asof = res.get("asof") or "最新"
    ws.append([f"数据版本: {asof}; 指标体系版本 {res['catalogue_version']}; 导出时间 "
               f"{datetime.now(timezone.utc).astimezone().strftime('%Y-%m-%d %H:%M')}"])
    dim_zh = {"indicator": "指标(单位)", "region": "地区", "period": "期别"}
    n_rd = len(pv["row_dims"])
    for level in range(len(pv["col_dims"])):
        ws.append([dim_zh[d] if level == len(pv["col_dims"]) - 1 else "" for d in pv["row_dims"]]
                  + [c[level] for c in pv["cols"]])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for rlab, rowcells in zip(pv["rows"], pv["matrix"]):
        vals = []
        for c in rowcells:
            if c is None or c["value"] is None:
                vals.append(None if c is None or not c.get("refused") else "—")
            else:
                vals.append(round(c["value"], dec[c["indicator"]]))
        ws.append(list(rlab) + vals)
        r = ws.max_row
        for j, c in enumerate(rowcells):
            if c is not None and c["value"] is not None:
                d = dec[c["indicator"]]
                ws.cell(row=r, column=n_rd + 1 + j).number_format = "#,##0" + ("." + "0" * d if d else "")
    ws.append([])
    ws.append(["资料来源: " + "; ".join(_sources(res))])
    for n in _notes(res):
        ws.append(["注: " + n])
    ws.column_dimensions["A"].width = 40
    for j in range(2, n_rd + 1 + len(pv["cols"])):
        ws.column_dimensions[ws.cell(row=3, column=j).column_letter].width = 14
    # long format with formula and inputs: every number traceable
    ws2 = wb.create_sheet("计算明细")
    ws2.append(["指标代码", "指标名称", "单位", "地区", "期别", "方法", "数值", "公式", "标志", "数据起始可知时间", "注释", "来源"])
    names = {i["code"]: i for i in res["indicators"]}
    regions = {r["code"]: r["name_zh"] for r in res["regions"]}
    for c in res["cells"]:
        i = names[c["indicator"]]
        ws2.append([c["indicator"], i["name_zh"], i["unit"], regions[c["region"]], c["period"], i["method_zh"],
                    c["value"], c.get("formula") or c.get("refused"), ",".join(FLAG_ZH[f] for f in c["flags"]),
                    c.get("known_from"), c.get("footnote"), c.get("source")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(res: dict) -> bytes:
    names = {i["code"]: i for i in res["indicators"]}
    regions = {r["code"]: r["name_zh"] for r in res["regions"]}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["指标代码", "指标名称", "单位", "计算方法", "地区代码", "地区", "期别", "数值", "标志", "说明", "注释", "来源"])
    for c in res["cells"]:
        i = names[c["indicator"]]
        w.writerow([c["indicator"], i["name_zh"], i["unit"], i["method_zh"], c["region"], regions[c["region"]],
                    c["period"], "" if c["value"] is None else repr(round(c["value"], 10)),
                    ",".join(FLAG_ZH[f] for f in c["flags"]), c.get("refused") or "", c.get("footnote") or "",
                    c.get("source") or ""])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def jsonstat(res: dict) -> dict:
    """JSON-stat 2.0 dataset, dimensions indicator × region × period, values in row-major order."""
    inds, regs = res["indicators"], res["regions"]
    periods = sorted({c["period"] for c in res["cells"]}, key=lambda p: (p == "全期", p))
    pidx = {p: k for k, p in enumerate(periods)}
    iidx = {i["code"]: k for k, i in enumerate(inds)}
    ridx = {r["code"]: k for k, r in enumerate(regs)}
    size = [len(inds), len(regs), len(periods)]
    values: list = [None] * (size[0] * size[1] * size[2])
    status: dict[str, str] = {}
    for c in res["cells"]:
        k = (iidx[c["indicator"]] * size[1] + ridx[c["region"]]) * size[2] + pidx[c["period"]]
        values[k] = c["value"]
        if c["flags"]:
            status[str(k)] = "".join(FLAG_CODES[f] for f in c["flags"])
    return {
        "version": "2.0", "class": "dataset", "label": _title(res),
        "source": "; ".join(_sources(res)),
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "id": ["indicator", "region", "period"], "size": size,
        "dimension": {
            "indicator": {"label": "指标", "category": {
                "index": iidx, "label": {i["code"]: f"{i['name_zh']}·{i['method_zh']}" for i in inds},
                "unit": {i["code"]: {"label": i["unit"], "decimals": i["decimals"]} for i in inds}}},
            "region": {"label": "地区", "category": {"index": ridx, "label": {r["code"]: r["name_zh"] for r in regs}}},
            "period": {"label": "期别", "category": {"index": pidx, "label": {p: p for p in periods}}},
        },
        "value": values,
        "status": status,
        "note": _notes(res),
        "extension": {"asof": res.get("asof"), "catalogue_version": res["catalogue_version"],
                      "status_codes": {v: FLAG_ZH[k] for k, v in FLAG_CODES.items()}},
    }
