"""A Table as an Excel sheet in the official layout: title and subtitle lines merged across the table, the
计量单位 line, merged multi-level headers, figures as numbers (with the column's number format, so they can be
summed), bold totals, notes and the 制表单位 / 制表日期 / 审核人 line; set up to print on one page wide."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from documents.layout import Table, decimals_of

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")


def _number_format(col, v) -> str:
    if col.percent:
        return "0." + "0" * max(col.decimals, 1) + "%"
    d = decimals_of(Decimal(str(v)), col) if isinstance(v, (int, float, Decimal)) else col.decimals
    return "#,##0" + ("." + "0" * d if d > 0 else "")


def _value(v):
    if isinstance(v, Decimal):
        return float(v) if v != v.to_integral_value() else int(v)
    return v


def _headers(ws, table: Table, top: int, width: int) -> int:
    """The merged header cells from row `top`; returns the first body row."""
    depth = table.header_depth()
    for cell in table.header_cells():
        row, col = top + cell.row, 1 + cell.col
        c = ws.cell(row, col, cell.label)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + cell.rowspan - 1,
                           end_column=col + cell.colspan - 1)
        c.font, c.alignment, c.fill = Font(bold=True), CENTER, HEAD_FILL
    for rr in range(top, top + depth):
        for cc in range(1, width + 1):
            ws.cell(rr, cc).border = BOX
    return top + depth


def _body(ws, table: Table, r: int) -> int:
    """The figures from row `r` (numbers with the column's format, — for no figure); returns the next row."""
    for i, (label, values) in enumerate(table.rows):
        bold = Font(bold=i in table.total_rows)
        c = ws.cell(r, 1, label)
        c.border, c.font = BOX, bold
        for j, col in enumerate(table.columns, start=2):
            v = values.get(col.key)
            c = ws.cell(r, j, "—" if v is None else _value(v))
            c.border, c.font = BOX, bold
            if v is None:
                c.alignment = Alignment(horizontal="center")
            elif not isinstance(v, str):
                c.number_format = _number_format(col, v)
        r += 1
    return r


def write_sheet(ws, table: Table) -> None:
    width = len(table.columns) + 1
    r = 1

    def line(text: str, *, size=11, bold=False, align="center") -> None:
        nonlocal r
        ws.cell(r, 1, text).font = Font(size=size, bold=bold)
        ws.cell(r, 1).alignment = Alignment(horizontal=align, vertical="center")
        if width > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        r += 1

    line(table.title + (f"({table.watermark})" if table.watermark else ""), size=16, bold=True)
    ws.row_dimensions[1].height = 28
    for s in table.subtitle:
        line(s)
    if table.unit_line:
        line(table.unit_line, align="right")
    top = r
    first_body = _headers(ws, table, top, width)
    r = _body(ws, table, first_body) + 1
    for n in table.notes:
        ws.cell(r, 1, n).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.row_dimensions[r].height = 15 * max(1, -(-len(n) // max(12, 9 * width)))
        r += 1
    if table.footer:
        ws.cell(r + 1, 1, "    ".join(f"{k}: {v}" for k, v in table.footer))
        ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=width)
    ws.column_dimensions["A"].width = 14
    for j in range(2, width + 1):
        ws.column_dimensions[get_column_letter(j)].width = 15
    ws.freeze_panes = ws.cell(first_body, 2)
    ws.print_title_rows = f"{top}:{first_body - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write(tables: list[Table], path: Path, sheet_names: list[str] | None = None) -> Path:
    """One workbook, one sheet per table."""
    wb = Workbook()
    wb.remove(wb.active)
    for i, t in enumerate(tables):
        name = (sheet_names[i] if sheet_names else t.title)[:31]
        for ch in '[]:*?/\\':
            name = name.replace(ch, " ")
        write_sheet(wb.create_sheet(name), t)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    return path
