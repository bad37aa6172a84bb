"""The manual-entry template (the XLSX the statistics office fills in each month): the contract between the form,
the generator that fills it for the demo and the loader that imports it."""
from __future__ import annotations

from pathlib import Path

from foundation.spec import code_table, load_manual_template

HEADER_ROW = 3  # row 1 title, row 2 hint, row 3 column labels, data from row 4


def write_template(path: Path, rows: dict[str, list[list]] | None = None) -> Path:
    """The template (empty, or filled with `rows` per table) with a 说明 sheet and validation lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    t = load_manual_template()
    wb = Workbook()
    info = wb.active
    info.title = "说明"
    info.append([t["title"]])
    info["A1"].font = Font(bold=True, size=14)
    info.append(["每月由统计处填报后导入: python -m loaders.manual import 文件 --month YYYYMM"])
    info.append(["所有字段必填; 数值不能为负; 代码须在代码表中; 同一工作表内主键不得重复; 有错误时整个文件不导入。"])
    for sheet in t["sheets"]:
        info.append([f"{sheet['sheet']}: {sheet['title']}; 主键 {', '.join(sheet['key'])}"])
        for chk in sheet.get("checks", []):
            info.append([f"    校验: {chk['message']}"])
    info.column_dimensions["A"].width = 100
    for sheet in t["sheets"]:
        ws = wb.create_sheet(sheet["sheet"])
        ws.append([sheet["title"]])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(["从第 4 行起填写, 不要修改表头"])
        ws.append([c["label"] for c in sheet["columns"]])
        for cell in ws[HEADER_ROW]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for k, c in enumerate(sheet["columns"], 1):
            letter = ws.cell(row=HEADER_ROW, column=k).column_letter
            ws.column_dimensions[letter].width = max(14, len(c["label"]) * 2 + 2)
            if c["type"] == "code":
                codes = list(code_table(c["code_table"]))
                dv = DataValidation(type="list", formula1='"' + ",".join(codes) + '"', allow_blank=False)
            elif c["type"] in ("integer", "decimal"):
                dv = DataValidation(type="whole" if c["type"] == "integer" else "decimal", operator="greaterThanOrEqual",
                                    formula1="0")
            else:
                continue
            dv.error = f"{c['label']} 取值不正确"
            ws.add_data_validation(dv)
            dv.add(f"{letter}{HEADER_ROW + 1}:{letter}1000")
        for r in (rows or {}).get(sheet["table"], []):
            ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
