"""Reading an uploaded list (XLSX or CSV) into rows, or a clear Chinese error naming sheet, row and column.

The reader streams: `ListReader.rows()` yields the data rows one by one (a CSV line by line, an XLSX sheet's XML
in 256 KiB pieces), so a list of any length is read in bounded memory. Jobs copy the rows into PostgreSQL as they
come (listmatch.jobs) and find duplicate rows there; `read()` keeps them in a Python list (small lists: the
self-service analyses, the tests) and finds duplicates itself. The messages are the same either way.

CSV encodings: UTF-8 (with or without BOM) or GBK/GB18030, detected per line; a file whose lines are partly
UTF-8 and partly GBK is refused (naming a line of each) rather than half garbled. Nothing is matched unless
the whole file is readable: every problem is collected and the job refused with all of them.
"""
from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
    rows: list[list[str]] | None          # the original cells, as text, in upload order (None: streamed, not held)
    columns: dict[str, int]               # canonical → index in header
    encoding: str = "xlsx"
    kinds: tuple[str, ...] = field(default=())
    rows_in: int | None = None            # data rows (a streamed list)

    def get(self, row: list[str], key: str) -> str:
        i = self.columns.get(key)
        return row[i] if i is not None and i < len(row) else ""

    def with_rows(self, rows: list[list[str]]) -> UploadedList:
        """The same list's description over some of its rows (a chunk, for the engine)."""
        return UploadedList(self.filename, self.sheet, self.header, rows, self.columns, self.encoding, self.kinds)


def header_columns(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    cols: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.replace(" ", "").replace("\u3000", "") in names:
                cols.setdefault(key, i)
    kinds = tuple(k for k, need in (("person", "name"), ("unit", "unit_name")) if need in cols or
                  (k == "unit" and "credit_code" in cols))
    return cols, kinds


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return str(v)


class _Source:
    """The upload as bytes in memory or as a file on disk (opened again for every pass)."""

    def __init__(self, src: bytes | str | Path):
        self.data = src if isinstance(src, (bytes, bytearray)) else None
        self.path = None if self.data is not None else Path(src)

    def open(self):
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")

    def head(self, n: int) -> bytes:
        with self.open() as f:
            return f.read(n)


class ListReader:
    """One pass over the list: `rows()` yields (row number, cells) of the data rows — validated, cut or padded to
    the header's width — and leaves the problems in `errors` as (row number, message); `check()` raises them."""

    def __init__(self, filename: str, src: bytes | str | Path, *, find_duplicates: bool = True):
        self.filename = filename
        self.src = _Source(src)
        self.find_duplicates = find_duplicates
        self.errors: list[tuple[int, str]] = []
        self.encoding = "xlsx"
        self.sheet = "CSV"
        self.where = "CSV"
        self.header: list[str] = []
        self.columns: dict[str, int] = {}
        self.kinds: tuple[str, ...] = ()
        self.count = 0
        head = self.src.head(8)
        if not head:
            raise ListError([f"{filename}: 文件为空"])
        lower = filename.lower()
        if head[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
            self.kind = "xlsx"
        elif lower.endswith((".csv", ".txt")):
            self.kind = "csv"
        elif head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ListError([f"{filename}: 这是旧版 Excel 97-2003 (.xls) 文件, 请在 Excel 中另存为 .xlsx 后上传"])
        else:
            raise ListError([f"{filename}: 不是 XLSX 或 CSV 文件(只接受 .xlsx 或 .csv)"])

    def describe(self, rows: list[list[str]] | None = None) -> UploadedList:
        return UploadedList(self.filename, self.sheet, self.header, rows, self.columns, self.encoding, self.kinds)

    # --- raw rows ---------------------------------------------------------------------------------------------
    def _raw(self) -> Iterator[list[str]]:
        return self._raw_xlsx() if self.kind == "xlsx" else self._raw_csv()

    def _lines(self) -> Iterator[str]:
        """The CSV's lines decoded, the encoding decided line by line (UTF-8, else GBK), mixtures refused."""
        fn = self.filename
        utf8_line = gbk_line = gbk_bad = None
        with self.src.open() as f:
            first = True
            for no, line in enumerate(f, 1):
                if first:
                    first = False
                    if line.startswith(b"\xef\xbb\xbf"):
                        self.encoding = "UTF-8 (BOM)"
                        line = line[3:]
                if self.encoding == "UTF-8 (BOM)":
                    try:
                        yield line.decode("utf-8")
                    except UnicodeDecodeError:
                        raise ListError([f"{fn} 第 {no} 行: 文件声明为 UTF-8 (BOM), 但该行不是 UTF-8 编码(混合编码), "
                                         "请统一保存为 UTF-8"]) from None
                    continue
                if line.isascii():
                    yield line.decode("ascii")
                    continue
                try:
                    text = line.decode("utf-8")
                    utf8_line = utf8_line or no
                except UnicodeDecodeError:
                    try:
                        text = line.decode("gb18030")
                        gbk_line = gbk_line or no
                    except UnicodeDecodeError:
                        gbk_bad = gbk_bad or no
                        text = line.decode("gb18030", errors="replace")
                yield text
        if gbk_line is not None and utf8_line is not None:
            raise ListError([f"{fn}: 混合编码 — 第 {utf8_line} 行是 UTF-8, 第 {gbk_line} 行是 GBK; "
                             "请统一保存为 UTF-8 或 GBK 后重新上传"])
        if gbk_bad is not None:
            raise ListError([f"{fn} 第 {gbk_bad} 行: 既不是 UTF-8 也不是 GBK 编码的文字"])
        if self.encoding != "UTF-8 (BOM)":
            self.encoding = "GBK" if gbk_line is not None else "UTF-8"

    def _raw_csv(self) -> Iterator[list[str]]:
        self.sheet = self.where = "CSV"
        self.encoding = "UTF-8"
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))      # long cells are reported, not fatal
        try:
            yield from csv.reader(self._lines())
        except csv.Error as e:
            raise ListError([f"{self.filename}: CSV 格式错误({e}), 请检查引号是否配对"]) from None

    def _raw_xlsx(self) -> Iterator[list[str]]:
        from listmatch import xlsxread

        n = 0
        try:
            with self.src.open() as f:
                title, rows = xlsxread.first_sheet(f)
                self.sheet, self.where = title, f"工作表“{title}”"
                for r in rows:
                    n += 1
                    yield r
            return
        except (ValueError, KeyError, IndexError, zipfile.BadZipFile, UnicodeDecodeError, EOFError, zlib.error):
            pass                  # anything unusual: openpyxl from where the fast reader stopped (slower, complete)
        yield from self._raw_openpyxl(skip=n)

    def _raw_openpyxl(self, skip: int) -> Iterator[list[str]]:
        import openpyxl

        fn = self.filename
        try:
            wb = openpyxl.load_workbook(self.src.open(), read_only=True, data_only=True)
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError,
                SyntaxError) as e:   # SyntaxError: broken XML; zlib.error / EOFError: a damaged compressed part
            why = "文件内的压缩数据已损坏" if isinstance(e, (zlib.error, EOFError)) else type(e).__name__
            raise ListError([f"{fn}: 不是有效的 XLSX 文件(无法打开: {why})"]) from None
        sheet = "(第一个工作表)"
        n = 0
        try:
            ws = wb.worksheets[0]
            sheet = ws.title
            self.sheet, self.where = sheet, f"工作表“{sheet}”"
            for r in ws.iter_rows(values_only=True):
                n += 1
                if n > skip:
                    yield [_cell(v) for v in r]
        except (IndexError, KeyError, ValueError, TypeError, SyntaxError, zlib.error, EOFError) as e:
            # a damaged sheet (a shared-string index that does not exist, broken XML, an impossible cell value):
            # openpyxl fails on a row after the last one it returned (rows with no cells are skipped, so which one
            # is not known exactly)
            where = f"第 {n} 行之后" if n else "第 1 行起"
            raise ListError([f"{fn} 工作表“{sheet}” {where}: 文件已损坏, 无法读取"
                             f"({type(e).__name__}); 请用 Excel 打开后另存为 XLSX 再上传"]) from None
        finally:
            wb.close()

    # --- validated rows ---------------------------------------------------------------------------------------
    def rows(self) -> Iterator[tuple[int, list[str]]]:  # noqa: C901
        fn = self.filename
        errors = self.errors
        raw = self._raw()
        header_raw = None
        blank_from, blanks = 0, 0          # trailing blank rows are dropped, blank rows inside the list refused
        seen: dict[tuple, int] = {}
        width = 1
        self.count = 0
        no = 0
        for r in raw:
            no += 1
            if header_raw is None:
                header_raw = r
                self.header = header = [h.strip() for h in r]
                while header and not header[-1]:
                    header.pop()
                self.columns, self.kinds = header_columns(header)
                width = len(header)
                continue
            where = self.where
            long = [ci for ci, c in enumerate(r) if len(c) > MAX_CELL]
            if long:
                r = list(r)
                for ci in long:
                    c = r[ci]
                    colname = header[ci] if ci < len(header) and header[ci] else f"第 {ci + 1} 列"
                    errors.append((no, f"{fn} {where} 第 {no} 行 列“{colname}”: 单元格内容过长({len(c):,} 个字符, 上限 {MAX_CELL})"))
                    r[ci] = c[:MAX_CELL]
            if not any(c.strip() for c in r):
                if not blanks:
                    blank_from = no
                blanks += 1
                continue
            if blanks:
                for b in range(blank_from, blank_from + blanks):
                    errors.append((b, f"{fn} {where} 第 {b} 行: 空行(请删除名单中间的空行)"))
                blanks = 0
            if self.find_duplicates:
                key = tuple(c.strip() for c in r[:width])
                if key in seen:
                    errors.append((no, f"{fn} {where} 第 {no} 行: 与第 {seen[key]} 行完全重复(请删除重复行)"))
                else:
                    seen[key] = no
            self.count += 1
            yield no, (r[:max(width, 1)] + [""] * (width - len(r))) if len(r) != width else r
        where = self.where
        if header_raw is None or (self.count == 0 and not any(c.strip() for c in header_raw)):
            raise ListError([f"{fn} {where}: 没有任何内容"])
        head_errors = []
        if not self.kinds:
            head_errors.append(f"{fn} {where} 第 1 行(表头): 缺少必需的列 — 人员名单需要“姓名”和“身份证号”(或“出生日期”), "
                               f"单位名单需要“单位名称”或“统一社会信用代码”; 实际表头: {', '.join(h for h in self.header if h) or '(空)'}")
        elif "person" in self.kinds and "id_number" not in self.columns and "birth_date" not in self.columns:
            head_errors.append(f"{fn} {where} 第 1 行(表头): 人员名单缺少“身份证号”列(没有身份证号时至少需要“出生日期”列)")
        if self.count == 0 and not head_errors:
            head_errors.append(f"{fn} {where}: 只有表头, 没有数据行")
        self.errors[:0] = [(1, e) for e in head_errors]

    def check(self, more: list[tuple[int, str]] = (), extra: int = 0) -> None:
        """Raise ListError with every problem found (in row order), if any; `more` are problems found elsewhere
        (the duplicate rows, in the database) and `extra` how many more of those there are than given."""
        if self.errors or more:
            errs = self.errors[:]
            errs.extend(more)
            errs.sort(key=lambda e: e[0])
            msgs = [m for _, m in errs]
            if extra > 0:                         # counted, not listed: ListError shows the first MAX_ERRORS
                msgs = msgs[:MAX_ERRORS] + [""] * (len(msgs[MAX_ERRORS:]) + extra)
            raise ListError(msgs)


def read(filename: str, data: bytes | str | Path) -> UploadedList:
    """The whole list in memory (small lists; jobs stream through ListReader instead)."""
    rd = ListReader(filename, data)
    rows = [r for _, r in rd.rows()]
    rd.check()
    return rd.describe(rows)
