"""数据导入流程: XLSX/CSV series through a template → validation → preview → atomic commit with a change log.

Template columns (sheet 数据): 指标代码, 地区代码, 期别, 数值, 单位, 标志, 注释, 来源. Every row is checked
(indicator code, region covered by the indicator, period format of the indicator's frequency and not in the
future, number, range by kind/unit, unit equal or convertible to the catalogue unit, flag, duplicates in the
file, gaps within a series of the file). Any error → nothing is imported, and each error names sheet, row,
column and rule. Otherwise a preview (new / changed old → new / unchanged) is kept under a token; committing
it writes one vintage and the change log in one transaction.
"""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
from collections import defaultdict
from datetime import date
from pathlib import Path

from history import engine, store

COLUMNS = ["指标代码", "地区代码", "期别", "数值", "单位", "标志", "注释", "来源"]
REQUIRED = ["指标代码", "地区代码", "期别", "数值", "单位"]
FLAGS = {"": None, "初步": "provisional", "修订": "revised", "估计": "estimated", "断点": "is_break"}
PERIOD_RE = {"M": (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "YYYY-MM"), "Q": (re.compile(r"^\d{4}Q[1-4]$"), "YYYYQn"),
             "Y": (re.compile(r"^\d{4}$"), "YYYY")}
MAX_ROWS = 200_000


class ImportError_(ValueError):
    """A file that cannot be read at all; ``row`` / ``column`` name where, when known."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.row, self.column = row, column


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_table(file_name: str, data: bytes) -> tuple[str, list[str], list[tuple[int, list]]]:
    """(sheet name, header, [(row number, values)]) of an XLSX (sheet 数据, else the first) or CSV (UTF-8/GBK)."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 — any unreadable workbook
            raise ImportError_(f"{file_name}: 不是有效的 XLSX 文件 ({type(e).__name__})") from None
        ws = wb["数据"] if "数据" in wb.sheetnames else wb[wb.sheetnames[0]]
        rows = ws.iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows, [])]
        body = [(i, list(r)) for i, r in enumerate(rows, start=2) if any(v not in (None, "") for v in r)]
        return ws.title, header, body
    if name.endswith(".csv"):
        text = _decode_csv(file_name, data)
        _check_control_chars(file_name, text)
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            rows = list(reader)
        except csv.Error as e:      # e.g. a line end inside an unquoted field
            raise ImportError_(f"{file_name}: 第 {reader.line_num} 行无法按 CSV 解析({e}); 请检查引号与换行",
                               row=reader.line_num) from None
        header = [c.strip() for c in rows[0]] if rows else []
        return "CSV", header, [(i, r) for i, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    raise ImportError_(f"{file_name}: 只接受 .xlsx 或 .csv 文件")


UTF8_BOM = b"\xef\xbb\xbf"
# C0 control characters a CSV cell never holds (TAB and the CR of a CRLF line end are allowed)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")
_CONTROL_NAMES = {"\x00": "NUL", "\r": "CR(单独的回车)", "\x1a": "SUB(Ctrl-Z)", "\x1b": "ESC", "\x7f": "DEL"}


def _csv_column(header_line: str, line: str, pos: int) -> tuple[int, str | None]:
    """(1-based field number, header name or None) of character ``pos`` of a CSV line (commas before it counted;
    a comma inside quotes is rare in this template and would shift the count)."""
    k = line[:pos].count(",")
    names = [c.strip() for c in header_line.split(",")]
    return k + 1, (names[k] if k < len(names) and names[k] else None)


def _where(k: int, name: str | None) -> str:
    return f"第 {k} 列({name})" if name else f"第 {k} 列"


def _decode_csv(file_name: str, data: bytes) -> str:
    """The text of a CSV in UTF-8 (with or without BOM) or GBK; otherwise ImportError_ naming the line, column and
    bytes where the encoding the file follows furthest breaks."""
    body, skip = (data[len(UTF8_BOM):], len(UTF8_BOM)) if data.startswith(UTF8_BOM) else (data, 0)
    failures: list[tuple[str, UnicodeDecodeError]] = []
    for enc in ("utf-8", "gbk"):
        try:
            return body.decode(enc)
        except UnicodeDecodeError as e:
            failures.append((enc, e))
    enc, e = max(failures, key=lambda f: f[1].start)
    start = body.rfind(b"\n", 0, e.start) + 1          # the line of the first bad byte
    end = body.find(b"\n", e.start)
    line_no = body.count(b"\n", 0, e.start) + 1
    line = body[start:len(body) if end < 0 else end]
    header_end = body.find(b"\n")
    header = body[:header_end if header_end >= 0 else len(body)].decode(enc, errors="replace")
    prefix = line[:e.start - start].decode(enc, errors="replace")
    k, col = _csv_column(header, prefix, len(prefix))
    bad = body[e.start:e.end + 1][:4].hex(" ").upper()
    label = "UTF-8" if enc == "utf-8" else "GBK"
    raise ImportError_(f"{file_name}: 第 {line_no} 行 {_where(k, col)} 含非法字节 {bad}(行内字节位置 "
                       f"{e.start - start + 1}, 文件字节位置 {e.start + skip + 1}): 编码既不是 UTF-8 也不是 GBK "
                       f"(此前的内容按 {label} 可读); 请以 UTF-8 或 GBK 编码重新保存", row=line_no, column=col)


def _check_control_chars(file_name: str, text: str) -> None:
    """ImportError_ naming line and column of the first control character (NUL, a lone CR, ESC, …)."""
    m = _CONTROL_RE.search(text)
    if m is None:
        return
    start = text.rfind("\n", 0, m.start()) + 1
    line_no = text.count("\n", 0, m.start()) + 1
    header = text.split("\n", 1)[0].lstrip("\ufeff")
    k, col = _csv_column(header, text[start:m.start()], m.start() - start)
    ch = m.group()
    name = _CONTROL_NAMES.get(ch, f"U+{ord(ch):04X}")
    raise ImportError_(f"{file_name}: 第 {line_no} 行 {_where(k, col)} 含控制字符 {name}(行内字符位置 "
                       f"{m.start() - start + 1}); 请删除该字符后重新保存", row=line_no, column=col)


def validate(conn, file_name: str, data: bytes, today: date | None = None) -> dict:
    try:
        sheet, header, body = read_table(file_name, data)
    except ImportError_ as e:
        where = f"{file_name} 第 {e.row} 行" if e.row else file_name
        return {"errors": [{"sheet": None, "row": e.row, "column": e.column, "rule": "文件", "message": str(e),
                            "where": where}], "rows": [], "summary": {}}
    return validate_rows(conn, sheet, header, body, today)


def _where_ok(err, rn: int, cat, regions: set, ind: dict, code: str, region: str, period: str, today: date) -> bool:
    """The row's region and period: known, within the indicator's regions, in the indicator's format, not later
    than today."""
    ok = True
    if region not in regions:
        err(rn, "地区代码", "地区代码", f"地区代码 {region!r} 不存在")
        ok = False
    elif region not in ind["regions"]:
        err(rn, "地区代码", "地区范围", f"指标 {code} 不包含地区 {cat.region_name(region)}({region})")
        ok = False
    rx, fmt = PERIOD_RE[ind["frequency"]]
    if not rx.match(period):
        err(rn, "期别", "期别格式", f"{period!r}: 指标 {code} 的频度为 {ind['frequency']}, 期别应为 {fmt}")
        ok = False
    elif period[:4] > str(today.year) or (ind["frequency"] == "M" and period > today.strftime("%Y-%m")):
        err(rn, "期别", "期别", f"期别 {period} 晚于今天")
        ok = False
    return ok


def _number(raw: str) -> float:
    """The cell's number (thousands separators allowed); ValueError for anything else, NaN and infinities too."""
    value = float(raw.replace(",", ""))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError
    return value


def _value_ok(err, rn: int, cat, ind: dict, code: str, value: float, unit: str) -> tuple[bool, float]:
    """(ok, the value in the indicator's unit): a convertible unit, no negative stock or flow, a warehouse
    percentage within 0–100."""
    ok = True
    if unit != ind["unit"]:
        try:
            value = cat.convert_unit(value, unit, ind["unit"])
        except KeyError:
            err(rn, "单位", "单位", f"单位 {unit!r} 与指标单位 {ind['unit']!r} 不符且不能换算")
            ok = False
    if ind["kind"] in ("stock", "flow") and value < 0 and not code.endswith("_change"):
        err(rn, "数值", "取值范围", f"{ind['name_zh']} 不能为负数 ({value})")
        ok = False
    if ind["unit"] == "%" and ind["kind"] == "ratio" and code.startswith("wh_") and not 0 <= value <= 100:
        err(rn, "数值", "取值范围", f"比率 {value}% 不在 0–100 之间")
        ok = False
    return ok, value


def _check_row(err, rn: int, get, cat, regions: set, today: date, seen: dict) -> dict | None:
    """One row of the file as an observation, or None after reporting what is wrong with it."""
    code, region, period, raw, unit = (get(c) for c in ("指标代码", "地区代码", "期别", "数值", "单位"))
    ind = cat.indicators.get(code)
    if ind is None:
        err(rn, "指标代码", "指标代码", f"指标代码 {code!r} 不在指标体系中")
        return None
    ok = _where_ok(err, rn, cat, regions, ind, code, region, period, today)
    try:
        value = _number(raw)
    except ValueError:
        err(rn, "数值", "数值类型", f"{raw!r} 不是数值")
        return None
    value_ok, value = _value_ok(err, rn, cat, ind, code, value, unit)
    ok = ok and value_ok
    flag = get("标志")
    if flag not in FLAGS:
        err(rn, "标志", "标志", f"标志 {flag!r} 应为 初步/修订/估计/断点 或留空")
        ok = False
    key = (code, region, period)
    if key in seen:
        err(rn, "期别", "重复", f"{code} {region} {period} 与第 {seen[key]} 行重复")
        ok = False
    seen.setdefault(key, rn)
    if not ok:
        return None
    r = {"indicator": code, "region": region, "period": period, "freq": ind["frequency"],
         "value": value, "footnote": get("注释") or None, "source": get("来源") or None, "row": rn}
    if FLAGS.get(flag):
        r[FLAGS[flag]] = True
    return r


def _check_gaps(err, rows: list[dict]) -> None:
    """Within a series of the file, periods must be consecutive."""
    by_series = defaultdict(list)
    for r in rows:
        by_series[(r["indicator"], r["region"])].append(r)
    for (code, region), rs in by_series.items():
        rs.sort(key=lambda r: r["period"])
        for a, b in zip(rs, rs[1:]):
            if engine.shift(a["period"], 1) != b["period"]:
                err(b["row"], "期别", "缺期", f"{code} {region}: {a['period']} 与 {b['period']} 之间缺期 (第 {a['row']} 行之后)")


def validate_rows(conn, sheet: str, header: list[str], body: list[tuple[int, list]], today: date | None = None) -> dict:
    cat = store.catalogue()
    regions = {r["code"] for r in cat.regions}
    today = today or date.today()
    errors: list[dict] = []

    def err(row, col, rule, msg):
        errors.append({"sheet": sheet, "row": row, "column": col, "rule": rule, "message": msg,
                       "where": f"工作表 {sheet} 第 {row} 行" if row else f"工作表 {sheet}"})

    missing = [c for c in REQUIRED if c not in header]
    if missing:
        err(1, ", ".join(missing), "表头", f"缺少列 {', '.join(missing)}; 模板列为 {', '.join(COLUMNS)}")
        return {"errors": errors, "rows": [], "summary": {}}
    if len(body) > MAX_ROWS:
        err(None, None, "行数", f"{len(body)} 行超过单次导入上限 {MAX_ROWS}")
        return {"errors": errors, "rows": [], "summary": {}}
    pos = {c: header.index(c) for c in COLUMNS if c in header}
    rows, seen = [], {}
    for rn, vals in body:
        def get(c, vals=vals):
            return _cell(vals[pos[c]]) if c in pos and pos[c] < len(vals) else ""
        r = _check_row(err, rn, get, cat, regions, today, seen)
        if r is not None:
            rows.append(r)
    _check_gaps(err, rows)
    if errors:
        errors.sort(key=lambda e: (e["row"] or 0))
        return {"errors": errors, "rows": [], "summary": {}}
    cur = store.current(conn, [(r["indicator"], r["region"], r["period"]) for r in rows])
    summary = {"new": 0, "changed": 0, "unchanged": 0}
    for r in rows:
        old = cur.get((r["indicator"], r["region"], r["period"]))
        r["old_value"] = None if old is None else float(old["value"]) if old["value"] is not None else None
        r["status"] = "new" if old is None else ("unchanged" if store._same(old["value"], r["value"]) else "changed")
        summary[r["status"]] += 1
    return {"errors": [], "rows": rows, "summary": summary}


def save_pending(conn, who: str, file_name: str, rows: list[dict]) -> str:
    token = secrets.token_urlsafe(16)
    conn.execute(f"insert into {store.SCHEMA}.import_pending (token, created_by, file_name, rows) values (%s,%s,%s,%s)",
                 (token, who, file_name, json.dumps(rows, ensure_ascii=False)))
    return token


def commit_pending(conn, token: str, who: str) -> dict:
    row = conn.execute(f"select created_by, file_name, rows from {store.SCHEMA}.import_pending where token = %s "
                       "and created_at > now() - interval '2 hours' for update", (token,)).fetchone()
    if row is None:
        raise ImportError_("预览已过期或不存在, 请重新上传")
    if row[0] != who:
        raise ImportError_("只能提交自己上传的预览")
    res = commit_rows(conn, row[2], row[1], who)
    conn.execute(f"delete from {store.SCHEMA}.import_pending where token = %s", (token,))
    return res


def commit_rows(conn, rows: list[dict], file_name: str, who: str | None = None) -> dict:
    """One transaction (the caller's): a load record, the changed rows as a vintage, their change log."""
    todo = [r for r in rows if r.get("status", "new") != "unchanged"]
    load_id = store.start_load(conn, "import", who=who, detail={"file": Path(file_name).name, "rows": len(rows)})
    counts = store.write_vintage(conn, todo, load_id, who=who)
    return {"load_id": load_id, **counts}


def write_template(path: Path | None = None) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from foundation import settings

    path = path or settings.VAR / "history" / "历史数据导入模板.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    cat = store.catalogue()
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(COLUMNS)
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.append(["ins_pension_ent", "110000", "2022", 1764.0, "万人", "", "示例行: 导入前请删除", "北京市统计公报"])
    info = wb.create_sheet("指标")
    info.append(["指标代码", "指标名称", "单位", "频度(期别格式)", "类型", "地区代码"])
    for d in cat.indicators.values():
        info.append([d["code"], d["name_zh"], d["unit"], f"{d['frequency']} ({PERIOD_RE[d['frequency']][1]})", d["kind"],
                     ",".join(d["regions"])])
    note = wb.create_sheet("说明")
    for line in ["数值的单位可以是指标单位或可换算的单位(如 亿人→万人)。", "标志: 初步 / 修订 / 估计 / 断点, 或留空。",
                 "同一指标同一地区的期别须连续, 同一指标、地区、期别只能出现一次。",
                 "有任何错误时整份文件都不导入, 错误会指出工作表、行、列和规则。"]:
        note.append([line])
    wb.save(path)
    return path
