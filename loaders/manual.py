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
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import psycopg
import psycopg.sql

from foundation import settings
from foundation.manual_template import HEADER_ROW, write_template
from foundation.months import first_day
from foundation.spec import code_table, load_manual_template
from loaders import db


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
    if not number.is_finite():          # 'nan', 'inf', 'Infinity' parse as Decimals but are no figure
        return None, "type", f"{col['label']} 应为数值: {text!r}"
    if abs(number) >= _LIMIT[kind]:     # beyond the raw column's type (bigint / numeric(18,2)): the COPY would fail
        return None, "out_of_range", f"{col['label']} 超出可录入范围(应小于 {_LIMIT[kind]:,}): {text}"
    if number < 0:
        return None, "negative", f"{col['label']} 不能为负: {text}"
    if kind == "integer":
        if number != number.to_integral_value():
            return None, "type", f"{col['label']} 应为整数: {text}"
        return int(number), None, None
    if number.as_tuple().exponent < -2:
        return None, "precision", f"{col['label']} 最多两位小数: {text}"
    return number, None, None


# the largest magnitude (exclusive) each numeric kind's raw column holds: bigint, numeric(18,2)
_LIMIT = {"integer": Decimal(2) ** 63, "decimal": Decimal(10) ** 16}


def validate(path: Path, month: str) -> tuple[dict[str, list[dict]], list[ManualProblem]]:
    from openpyxl import load_workbook

    t = load_manual_template()
    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError, SyntaxError) as e:
        # not a workbook, or one damaged inside (a corrupt compressed sheet, broken XML): nothing can be read
        return {}, [ManualProblem("(整个文件)", 0, "", "unreadable",
                                  f"不是有效的 XLSX 文件, 无法打开("
                                  f"{'文件内的压缩数据已损坏' if isinstance(e, (zlib.error, EOFError)) else type(e).__name__})"
                                  "; 请用 Excel 打开后另存为 XLSX 再提供")]
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


def ensure_table(conn: psycopg.Connection, sheet: dict) -> None:
    """raw.<table> of one sheet of the template, created from its definition (also when no workbook came)."""
    ddl = ", ".join(f"{c['name']} " + {"month": "char(6)", "code": "text", "integer": "bigint",
                                       "decimal": "numeric(18,2)"}[c["type"]] + " not null" for c in sheet["columns"])
    conn.execute(f"create table if not exists raw.{sheet['table']} ({ddl}, _batch_id bigint not null)")
    conn.execute(f"comment on table raw.{sheet['table']} is %s" % psycopg.sql.quote(f"{sheet['title']}(手工录入)"))


def ensure_tables(conn: psycopg.Connection) -> None:
    """Every manual-entry raw table, so a month whose workbook was not delivered still builds (empty)."""
    for sheet in load_manual_template()["sheets"]:
        ensure_table(conn, sheet)


def import_file(path: Path, month: str, url: str | None = None, run_by: str = "manual") -> dict[str, int]:
    """Validate and load; raises ManualEntryInvalid (nothing loaded) when any cell is wrong."""
    data, problems = validate(path, month)
    if problems:
        raise ManualEntryInvalid(path, problems)
    t = load_manual_template()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    mstart = first_day(month)
    counts = {}
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        db.ensure_audit(conn)
        for sheet in t["sheets"]:
            table = sheet["table"]
            cols = sheet["columns"]
            ensure_table(conn, sheet)
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
    settings.use_component("loader")  # raw and audit only, as wh_loader
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
