"""Reading an uploaded list (XLSX or CSV) into rows, or a clear Chinese error naming sheet, row and column.

CSV encodings: UTF-8 (with or without BOM) or GBK/GB18030, detected per file; a file whose lines are partly
UTF-8 and partly GBK is refused (naming a line of each) rather than half garbled. Nothing is matched unless
the whole file is readable: every problem is collected and the job refused with all of them.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

MAX_CELL = 1000                 # characters in one cell
MAX_ERRORS = 50

COLUMNS = {   # canonical column → accepted header spellings
    "name": ("姓名", "人员姓名", "职工姓名"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证"),
    "birth_date": ("出生日期", "出生年月日"),
    "district": ("区", "区县", "所在区", "行政区", "户籍区", "所属区"),
    "unit_name": ("单位名称", "企业名称", "单位", "法人名称"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码"),
}
LABEL = {"name": "姓名", "id_number": "身份证号", "birth_date": "出生日期", "district": "区",
         "unit_name": "单位名称", "credit_code": "统一社会信用代码"}


class ListError(Exception):
    """The list cannot be compared; .errors are Chinese messages each naming sheet/row/column."""

    def __init__(self, errors: list[str]):
        self.errors = errors[:MAX_ERRORS] + ([f"……另有 {len(errors) - MAX_ERRORS} 处问题"] if len(errors) > MAX_ERRORS else [])
        super().__init__("; ".join(self.errors))


@dataclass
class UploadedList:
    filename: str
    sheet: str
    header: list[str]
    rows: list[list[str]]                 # the original cells, as text, in upload order
    columns: dict[str, int]               # canonical → index in header
    encoding: str = "xlsx"
    kinds: tuple[str, ...] = field(default=())

    def get(self, row: list[str], key: str) -> str:
        i = self.columns.get(key)
        return row[i] if i is not None and i < len(row) else ""


def _decode_csv(filename: str, data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise ListError([f"{filename} 第 {line} 行: 文件声明为 UTF-8 (BOM), 但该行不是 UTF-8 编码(混合编码), 请统一保存为 UTF-8"]) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    utf8_line = gbk_line = gbk_bad = None
    for no, line in enumerate(data.split(b"\n"), 1):
        if max(line, default=0) < 0x80:
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or no
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
                gbk_line = gbk_line or no
            except UnicodeDecodeError:
                gbk_bad = gbk_bad or no
    if utf8_line is not None:
        raise ListError([f"{filename}: 混合编码 — 第 {utf8_line} 行是 UTF-8, 第 {gbk_line} 行是 GBK; "
                         "请统一保存为 UTF-8 或 GBK 后重新上传"])
    if gbk_bad is not None:
        raise ListError([f"{filename} 第 {gbk_bad} 行: 既不是 UTF-8 也不是 GBK 编码的文字"])
    return data.decode("gb18030"), "GBK"


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return str(v)


def read(filename: str, data: bytes) -> UploadedList:
    if not data:
        raise ListError([f"{filename}: 文件为空"])
    lower = filename.lower()
    if data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(filename, data)
    if lower.endswith((".csv", ".txt")):
        text, enc = _decode_csv(filename, data)
        csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))    # long cells are reported, not fatal
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as e:
            raise ListError([f"{filename}: CSV 格式错误({e}), 请检查引号是否配对"]) from None
        return _validate(filename, "CSV", rows, enc)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ListError([f"{filename}: 这是旧版 Excel 97-2003 (.xls) 文件, 请在 Excel 中另存为 .xlsx 后上传"])
    raise ListError([f"{filename}: 不是 XLSX 或 CSV 文件(只接受 .xlsx 或 .csv)"])


def _read_xlsx(filename: str, data: bytes) -> UploadedList:
    import openpyxl

    from listmatch import xlsxread

    try:
        sheet, rows = xlsxread.read_first_sheet(data)
        return _validate(filename, f"工作表“{sheet}”", rows, "xlsx", sheet)
    except (ValueError, KeyError, IndexError, zipfile.BadZipFile, UnicodeDecodeError):
        pass                                # anything unusual: openpyxl below (slower, complete)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ListError([f"{filename}: 不是有效的 XLSX 文件(无法打开: {type(e).__name__})"]) from None
    rows: list[list[str]] = []
    sheet = "(第一个工作表)"
    try:
        ws = wb.worksheets[0]
        sheet = ws.title
        for r in ws.iter_rows(values_only=True):
            rows.append([_cell(v) for v in r])
    except (IndexError, KeyError, ValueError, TypeError, SyntaxError) as e:
        # a damaged sheet (a shared-string index that does not exist, broken XML, an impossible cell value):
        # openpyxl fails on a row after the last one it returned (rows with no cells are skipped, so which one
        # is not known exactly)
        where = f"第 {len(rows)} 行之后" if rows else "第 1 行起"
        raise ListError([f"{filename} 工作表“{sheet}” {where}: 文件已损坏, 无法读取"
                         f"({type(e).__name__}); 请用 Excel 打开后另存为 XLSX 再上传"]) from None
    finally:
        wb.close()
    return _validate(filename, f"工作表“{sheet}”", rows, "xlsx", sheet)


def _validate(filename: str, where: str, raw: list[list[str]], encoding: str, sheet: str = "CSV") -> UploadedList:  # noqa: C901
    while raw and not any(c.strip() for c in raw[-1]):
        raw.pop()
    if not raw:
        raise ListError([f"{filename} {where}: 没有任何内容"])
    header = [h.strip() for h in raw[0]]
    while header and not header[-1]:
        header.pop()
    cols: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.replace(" ", "").replace("\u3000", "") in names:
                cols.setdefault(key, i)
    kinds = tuple(k for k, need in (("person", "name"), ("unit", "unit_name")) if need in cols or
                  (k == "unit" and "credit_code" in cols))
    errors: list[str] = []
    if not kinds:
        errors.append(f"{filename} {where} 第 1 行(表头): 缺少必需的列 — 人员名单需要“姓名”和“身份证号”(或“出生日期”), "
                      f"单位名单需要“单位名称”或“统一社会信用代码”; 实际表头: {', '.join(h for h in header if h) or '(空)'}")
    elif "person" in kinds and "id_number" not in cols and "birth_date" not in cols:
        errors.append(f"{filename} {where} 第 1 行(表头): 人员名单缺少“身份证号”列(没有身份证号时至少需要“出生日期”列)")
    body = raw[1:]
    if not body and not errors:
        errors.append(f"{filename} {where}: 只有表头, 没有数据行")
    seen: dict[tuple, int] = {}
    rows: list[list[str]] = []
    for no, r in enumerate(body, 2):
        r = [c for c in r]
        for ci, c in enumerate(r):
            if len(c) > MAX_CELL:
                colname = header[ci] if ci < len(header) and header[ci] else f"第 {ci + 1} 列"
                errors.append(f"{filename} {where} 第 {no} 行 列“{colname}”: 单元格内容过长({len(c):,} 个字符, 上限 {MAX_CELL})")
                r[ci] = c[:MAX_CELL]
        if not any(c.strip() for c in r):
            errors.append(f"{filename} {where} 第 {no} 行: 空行(请删除名单中间的空行)")
            continue
        key = tuple(c.strip() for c in r[: len(header)])
        if key in seen:
            errors.append(f"{filename} {where} 第 {no} 行: 与第 {seen[key]} 行完全重复(请删除重复行)")
        else:
            seen[key] = no
        rows.append(r[: max(len(header), 1)] + [""] * (len(header) - len(r)))
    if errors:
        raise ListError(errors)
    return UploadedList(filename, sheet, header, rows, cols, encoding, kinds)
