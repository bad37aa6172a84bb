"""手工录入: the XLSX template for figures staff enter by hand, and its validated import.

    python -m loaders.manual template [--out FILE]          an empty template with instructions
    python -m loaders.manual import FILE --month YYYYMM     validate and load (all or nothing)

Every cell is checked: required, type (integer / decimal ≥ 0 / month), code-table membership, the
data month, duplicate keys and the sheet's consistency rules. Problems are reported by sheet, row,
column and rule; a workbook with any problem loads nothing (a person fixes it and imports again).
Loads replace that month's rows in one transaction and are recorded in audit.load_batch.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import psycopg
import psycopg.sql

from loaders import db
from loaders.spec import code_table, load_manual_template
from ops import settings

HEADER_ROW = 3  # row 1 title, row 2 hint, row 3 column labels, data from row 4


@dataclass
class ManualProblem:
    sheet: str
    row: int
    column: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.sheet}] 第 {self.row} 行 {self.column}: {self.message} ({self.rule})"


class ManualEntryInvalid(Exception):
    def __init__(self, path: Path, problems: list[ManualProblem]):
        self.problems = problems
        super().__init__(f"{path.name}: {len(problems)} 处错误, 未导入:\n" + "\n".join(map(str, problems[:30])))


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


def _cell(col: dict, value, month: str) -> tuple[object, str | None, str | None]:
    """(typed value, rule, message) for one cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "not_null", f"{col['label']} 不能为空"
    text = str(value).strip()
    kind = col["type"]
    if kind == "month":
        if text != month:
            return None, "data_month", f"{col['label']} {text} 与导入月份 {month} 不符"
        return text, None, None
    if kind == "code":
        if text not in code_table(col["code_table"]):
            return None, "unknown_code", f"{col['label']} {text!r} 不在代码表 {col['code_table']}"
        return text, None, None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "type", f"{col['label']} 应为数值: {text!r}"
    if number < 0:
        return None, "negative", f"{col['label']} 不能为负: {text}"
    if kind == "integer":
        if number != number.to_integral_value():
            return None, "type", f"{col['label']} 应为整数: {text}"
        return int(number), None, None
    if number.as_tuple().exponent < -2:
        return None, "precision", f"{col['label']} 最多两位小数: {text}"
    return number, None, None


def validate(path: Path, month: str) -> tuple[dict[str, list[dict]], list[ManualProblem]]:
    from openpyxl import load_workbook

    t = load_manual_template()
    wb = load_workbook(path, data_only=True)
    data: dict[str, list[dict]] = {}
    problems: list[ManualProblem] = []
    for sheet in t["sheets"]:
        name = sheet["sheet"]
        if name not in wb.sheetnames:
            problems.append(ManualProblem(name, 0, "", "missing_sheet", f"缺少工作表 {name}"))
            continue
        ws = wb[name]
        labels = [c["label"] for c in sheet["columns"]]
        header = [c.value for c in ws[HEADER_ROW]][:len(labels)]
        if header != labels:
            problems.append(ManualProblem(name, HEADER_ROW, "", "header", f"表头应为 {labels}, 实为 {header}"))
            continue
        rows, seen = [], {}
        for r, values in enumerate(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True), HEADER_ROW + 1):
            if all(v is None or str(v).strip() == "" for v in values[:len(labels)]):
                continue
            rec, bad = {}, False
            for col, value in zip(sheet["columns"], values):
                typed, rule, msg = _cell(col, value, month)
                if rule:
                    problems.append(ManualProblem(name, r, col["label"], rule, msg))
                    bad = True
                rec[col["name"]] = typed
            if bad:
                continue
            key = tuple(rec[k] for k in sheet["key"])
            if key in seen:
                problems.append(ManualProblem(name, r, ",".join(sheet["key"]), "duplicate_key",
                                              f"主键 {key} 与第 {seen[key]} 行重复"))
                continue
            seen[key] = r
            for chk in sheet.get("checks", []):
                left, op, right = chk["expr"].split()
                ok = {"<=": rec[left] <= rec[right], ">=": rec[left] >= rec[right]}[op]
                if not ok:
                    problems.append(ManualProblem(name, r, left, chk["rule"], chk["message"]))
                    bad = True
            if not bad:
                rows.append(rec)
        data[sheet["table"]] = rows
    return data, problems


def import_file(path: Path, month: str, url: str | None = None, run_by: str = "manual") -> dict[str, int]:
    """Validate and load; raises ManualEntryInvalid (nothing loaded) when any cell is wrong."""
    data, problems = validate(path, month)
    if problems:
        raise ManualEntryInvalid(path, problems)
    t = load_manual_template()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    mstart = dt.date(int(month[:4]), int(month[4:]), 1)
    counts = {}
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        db.ensure_audit(conn)
        for sheet in t["sheets"]:
            table = sheet["table"]
            cols = sheet["columns"]
            ddl = ", ".join(f"{c['name']} " + {"month": "char(6)", "code": "text", "integer": "bigint",
                                               "decimal": "numeric(18,2)"}[c["type"]] + " not null" for c in cols)
            conn.execute(f"create table if not exists raw.{table} ({ddl}, _batch_id bigint not null)")
            conn.execute(f"comment on table raw.{table} is %s" % psycopg.sql.quote(f"{sheet['title']}(手工录入)"))
            start = dt.datetime.now(dt.timezone.utc)
            batch = conn.execute(
                "insert into audit.load_batch (interface, provider, data_month, file_name, file_sha256, file_bytes,"
                " rows_read, rows_loaded, status, run_by, started_at) values (%s,%s,%s,%s,%s,%s,%s,%s,'loaded',%s,%s)"
                " returning batch_id",
                (table, t["provider"], mstart, path.name, sha, path.stat().st_size, len(data[table]),
                 len(data[table]), run_by, start)).fetchone()[0]
            conn.execute("update audit.load_batch set status='superseded' where interface=%s and data_month=%s "
                         "and status='loaded' and batch_id <> %s", (table, mstart, batch))
            conn.execute(f"delete from raw.{table} where data_month = %s", (month,))
            names = [c["name"] for c in cols]
            with conn.cursor() as cur, cur.copy(f"copy raw.{table} ({', '.join(names)}, _batch_id) from stdin") as cp:
                for rec in data[table]:
                    cp.write_row([rec[n] for n in names] + [batch])
            counts[table] = len(data[table])
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders.manual", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    tp = sub.add_parser("template")
    tp.add_argument("--out", default=str(settings.VAR / "templates" / "手工录入模板.xlsx"))
    ip = sub.add_parser("import")
    ip.add_argument("file")
    ip.add_argument("--month", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "template":
        print(f"模板已生成: {write_template(Path(a.out))}")
        return 0
    try:
        counts = import_file(Path(a.file), a.month)
    except ManualEntryInvalid as e:
        print(str(e), file=sys.stderr)
        return 3
    print(json.dumps(counts, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
