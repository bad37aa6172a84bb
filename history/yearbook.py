"""定期报表 / 统计资料: yearbook-style annual tables as XLSX — one sheet per top-level class of the catalogue,
rows = the class's annual indicators grouped by subclass, two column groups under a two-level header
("<year>年" and "比上年增长(%)", each with 北京市 / 天津市 / 河北省 / 全国), units, notes and the source line.
Values and growth come from history.query.run (the engine), as known at `asof`."""
from __future__ import annotations

import io

from history import query, store

REGIONS = ["110000", "120000", "130000", "100000"]


def _year_groups(conn, cat, top: dict, y: str, asof: str | None):
    """The top class's annual indicators by subclass that have a value in the year, with their levels and growth by
    (indicator, region); None when there are none."""
    subs = [c for c in cat.classification if c.get("parent") == top["code"]]
    groups = []
    for sub in subs:
        inds = [d for d in cat.indicators.values() if d["classification"] == sub["code"] and d["frequency"] == "Y"
                and d["origin"] != "warehouse" and set(d["regions"]) & set(REGIONS)]
        if inds:
            groups.append((sub, inds))
    if not groups:
        return None
    codes = [d["code"] for _, inds in groups for d in inds]
    base = {"indicators": codes, "regions": REGIONS, "periods": {"from": y, "to": y}, "freq": "Y", "asof": asof}
    lvl = {(c["indicator"], c["region"]): c for c in query.run(conn, base, use_cache=False)["cells"]}
    gro = {(c["indicator"], c["region"]): c for c in query.run(
        conn, {**base, "methods": {i: ("yoy_pp" if cat.indicators[i]["unit"] == "%" else "yoy") for i in codes}},
        use_cache=False)["cells"]}
    # only the indicators with a value in the year, only the subclasses with such indicators
    groups = [(sub, [d for d in inds if any(lvl.get((d["code"], r), {}).get("value") is not None for r in REGIONS)])
              for sub, inds in groups]
    groups = [(sub, inds) for sub, inds in groups if inds]
    return (groups, lvl, gro) if groups else None


def _header(ws, cat, title: str, y: str, box) -> None:
    """Title row and the two-level header (rows 2–3)."""
    from openpyxl.styles import Alignment, Font

    n_reg = len(REGIONS)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2 + 2 * n_reg)
    ws.cell(row=2, column=1, value="指标")
    ws.cell(row=2, column=2, value="单位")
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    ws.merge_cells(start_row=2, start_column=2, end_row=3, end_column=2)
    ws.cell(row=2, column=3, value=f"{y}年")
    ws.merge_cells(start_row=2, start_column=3, end_row=2, end_column=2 + n_reg)
    ws.cell(row=2, column=3 + n_reg, value="比上年增长(%; 比率为百分点)")
    ws.merge_cells(start_row=2, start_column=3 + n_reg, end_row=2, end_column=2 + 2 * n_reg)
    for k, r in enumerate(REGIONS):
        ws.cell(row=3, column=3 + k, value=cat.region_name(r))
        ws.cell(row=3, column=3 + n_reg + k, value=cat.region_name(r))
    for row in ws.iter_rows(min_row=2, max_row=3, max_col=2 + 2 * n_reg):
        for c in row:
            c.font = Font(bold=True)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            c.border = box


def _indicator_row(ws, cat, r_no: int, d: dict, lvl: dict, gro: dict, box, notes: list[str]) -> None:
    """One indicator's row: its level and growth per region (footnotes collected in `notes`)."""
    n_reg = len(REGIONS)
    ws.cell(row=r_no, column=1, value="  " + d["name_zh"])
    ws.cell(row=r_no, column=2, value=d["unit"])
    for k, reg in enumerate(REGIONS):
        c = lvl.get((d["code"], reg))
        if c and c["value"] is not None:
            cell = ws.cell(row=r_no, column=3 + k, value=round(c["value"], d["decimals"]))
            cell.number_format = "#,##0" + ("." + "0" * d["decimals"] if d["decimals"] else "")
            if c.get("footnote"):
                notes.append(f"{d['name_zh']}·{cat.region_name(reg)}: {c['footnote']}")
        g = gro.get((d["code"], reg))
        if g and g["value"] is not None:
            ws.cell(row=r_no, column=3 + n_reg + k, value=round(g["value"], 1)).number_format = "0.0"
    for col in range(1, 3 + 2 * n_reg):
        ws.cell(row=r_no, column=col).border = box


def build(conn, year: int, asof: str | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, Side
    from openpyxl.utils import get_column_letter

    cat = store.catalogue()
    y = str(year)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    wb.remove(wb.active)
    tops = [c for c in cat.classification if not c.get("parent")]
    for t_no, top in enumerate(tops, start=1):
        found = _year_groups(conn, cat, top, y, asof)
        if found is None:
            continue
        groups, lvl, gro = found
        ws = wb.create_sheet(f"{t_no}-{top['name_zh']}")
        n_reg = len(REGIONS)
        _header(ws, cat, f"表{t_no}  {top['name_zh']}主要指标({y}年)", y, box)
        r_no = 4
        notes: list[str] = []
        for sub, inds in groups:
            ws.cell(row=r_no, column=1, value=sub["name_zh"]).font = Font(bold=True)
            r_no += 1
            for d in inds:
                _indicator_row(ws, cat, r_no, d, lvl, gro, box, notes)
                r_no += 1
        r_no += 1
        ws.cell(row=r_no, column=1, value="资料来源: 公开发布统计数据(国家统计局、人力资源和社会保障部及各地统计公报等, 逐项来源见注)")
        for n in notes:
            r_no += 1
            ws.cell(row=r_no, column=1, value="注: " + n)
        ws.column_dimensions["A"].width = 46
        ws.column_dimensions["B"].width = 10
        for col in range(3, 3 + 2 * n_reg):
            ws.column_dimensions[get_column_letter(col)].width = 12
        ws.freeze_panes = "C4"
    if not wb.sheetnames:
        ws = wb.create_sheet("说明")
        ws.append([f"{y}年没有年度数据"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
