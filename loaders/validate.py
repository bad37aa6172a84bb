"""Validate an interface file against its spec: streamed in chunks, checked column-wise.

Lines are read in chunks of a few MB, decoded, split, and each column is checked for the whole chunk at
once with Arrow compute kernels and NumPy (no per-field Python code on the hot path). Only the rows that
fail a rule are looked at one by one, to describe them. Good lines are passed on nearly as delivered:
the COPY stream uses the file's own delimiter with an empty field as NULL, plus the line number and any
extra columns, so PostgreSQL does the typing. Every rejected row keeps its original bytes and names
the file line, column and rule:

  encoding, column_count, not_null, type, length, precision, date_range, impossible_date,
  data_month, id_number_check, credit_code_check, duplicate_key   → the row is rejected
  unknown_code, rounded                                           → the row is kept, the finding
                                                                    reported (dbt maps unknown codes
                                                                    to the 未知 member)
Rules are checked per column in the order above; a column reports its first failing rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import checks
from loaders.spec import Column, Spec, code_table

REJECT_RULES = ("encoding", "column_count", "not_null", "type", "length", "precision", "date_range",
                "impossible_date", "data_month", "id_number_check", "credit_code_check", "duplicate_key")
WARN_RULES = ("unknown_code", "rounded")

RULE_LABELS = {
    "encoding": "编码错误", "column_count": "字段个数不符", "not_null": "必填字段为空", "type": "数据类型错误",
    "length": "超长", "precision": "小数位数或精度超限", "date_range": "日期早于允许范围",
    "impossible_date": "不存在的日期", "data_month": "数据月份与文件不符", "id_number_check": "身份证号校验位错误",
    "credit_code_check": "统一社会信用代码校验位错误", "duplicate_key": "主键重复", "unknown_code": "代码不在代码表中",
    "rounded": "小数位超长已按规则舍入",
}
RULE_HINTS = {
    "encoding": "请按接口规范的字符集(GBK/UTF-8)导出, 检查是否混入其他编码的文字",
    "column_count": "请检查该行是否含有多余或缺少的分隔符 |",
    "not_null": "必填字段不能为空, 请补齐",
    "type": "请按规范的数据类型输出(整数/数值/日期 YYYYMMDD/年月 YYYYMM)",
    "length": "字段长度超过规范, 请检查是否截取错误或录入错误",
    "precision": "数值的小数位或整数位超过规范, 请按规范精度输出",
    "date_range": "日期不能早于 1753-01-01, 请核实原始业务数据",
    "impossible_date": "日期不存在(如 2 月 30 日), 请核实原始业务数据",
    "data_month": "行内数据月份与文件名月份不一致, 请检查抽取条件",
    "id_number_check": "公民身份号码校验位错误, 请核对证件号码",
    "credit_code_check": "统一社会信用代码校验位错误, 请核对单位证照",
    "duplicate_key": "同一主键出现多次, 请去重后重新报送",
    "unknown_code": "代码不在代码表中; 若为新增代码, 请报送代码表变更",
    "rounded": "小数位超过规范, 已四舍五入; 请按规范精度输出",
}
_CODE = {r: i + 1 for i, r in enumerate(REJECT_RULES + WARN_RULES)}
_RULE = {i: r for r, i in _CODE.items()}

CHUNK_BYTES = 8 << 20
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_CREDIT_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(checks.CREDIT_CHARS):
    _CREDIT_VALUE[ord(_c)] = _i


@dataclass
class Finding:
    line_no: int
    column: str | None
    rule: str
    message: str
    raw: bytes

    @property
    def rejected(self) -> bool:
        return self.rule in REJECT_RULES


@dataclass
class FileResult:
    rows_read: int = 0
    rows_loaded: int = 0
    findings: list[Finding] = field(default_factory=list)
    held: str | None = None  # structural problem: the whole file is held, nothing loaded

    @property
    def rows_rejected(self) -> int:
        return len({f.line_no for f in self.findings if f.rejected})

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return out


def _np(a) -> np.ndarray:
    return a.to_numpy(zero_copy_only=False)


def _regex(arr: pa.Array, pattern: str) -> np.ndarray:
    return _np(pc.match_substring_regex(arr, pattern))


class _ColumnCheck:
    """Checks one column of a chunk; returns per-row rule codes and the values to load."""

    def __init__(self, col: Column, data_month: str):
        self.col = col
        self.data_month = data_month
        self.min_date = int(col.min_date.replace("-", ""))
        self.codes = pa.array(sorted(code_table(col.code_table))) if col.code_table else None

    def check(self, values: list[str]) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
        """Returns (codes per row (0 = fine), rows needing a rewrite (defaults, rounding), new values or None)."""
        col = self.col
        n = len(values)
        err = np.zeros(n, dtype=np.int8)
        arr = pa.array(values, type=pa.string())
        empty = _np(pc.equal(arr, ""))
        rewrite = np.zeros(n, dtype=bool)
        new_values = None
        if empty.any():
            if col.default is not None:
                rewrite |= empty
                new_values = list(values)
                for i in np.flatnonzero(empty):
                    new_values[i] = col.default
                arr = pa.array(new_values, type=pa.string())
                empty = np.zeros(n, dtype=bool)
            elif not col.nullable:
                err[empty] = _CODE["not_null"]
        todo = ~empty & (err == 0)

        def fail(mask: np.ndarray, rule: str) -> None:
            hit = todo & mask
            err[hit] = _CODE[rule]
            todo[hit] = False

        if col.type == "string":
            if col.length:
                fail(_np(pc.utf8_length(arr)) > col.length, "length")
            if col.check == "id_number":
                fail(~_regex(arr, r"^\d{17}[\dXx]$"), "id_number_check")
                idx = np.flatnonzero(todo)
                if len(idx):
                    b = np.frombuffer("".join(values[i] if new_values is None else new_values[i] for i in idx)
                                      .upper().encode("ascii"), dtype=np.uint8).reshape(-1, 18)
                    expect = np.frombuffer(checks.ID_CHECK.encode(), dtype=np.uint8)[
                        ((b[:, :17].astype(np.int64) - 48) * np.array(checks.ID_WEIGHTS)).sum(axis=1) % 11]
                    bad = np.zeros(n, dtype=bool)
                    bad[idx] = expect != b[:, 17]
                    fail(bad, "id_number_check")
            if col.check == "credit_code":
                fail(~_regex(arr, r"^[0-9A-HJ-NPQRTUWXY]{18}$"), "credit_code_check")
                idx = np.flatnonzero(todo)
                if len(idx):
                    b = np.frombuffer("".join(values[i] for i in idx).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
                    v = _CREDIT_VALUE[b]
                    c = 31 - (v[:, :17] * np.array(checks.CREDIT_WEIGHTS)).sum(axis=1) % 31
                    c[c == 31] = 0
                    bad = np.zeros(n, dtype=bool)
                    bad[idx] = c != v[:, 17]
                    fail(bad, "credit_code_check")
        elif col.type == "integer":
            fail(~_regex(arr, r"^-?\d+$"), "type")
            if col.length:
                fail(_np(pc.utf8_length(pc.utf8_ltrim(arr, characters="-"))) > col.length, "length")
        elif col.type == "decimal":
            fail(~_regex(arr, r"^-?\d+(\.\d+)?$"), "type")
            length = _np(pc.utf8_length(arr))
            dot = _np(pc.find_substring(arr, "."))
            frac = np.where(dot >= 0, length - dot - 1, 0)
            scale = col.scale or 0
            excess = todo & (frac > scale)
            if col.round_excess and excess.any():
                new_values = new_values or list(values)
                for i in np.flatnonzero(excess):
                    new_values[i] = str(Decimal(new_values[i]).quantize(col.quantum, rounding=ROUND_HALF_UP))
                rewrite |= excess
                err[excess] = _CODE["rounded"]  # a warning; cleared from the reject mask below
                arr = pa.array(new_values, type=pa.string())
            else:
                fail(frac > scale, "precision")
            trimmed = pc.utf8_ltrim(arr, characters="-0")
            tdot = _np(pc.find_substring(trimmed, "."))
            whole = np.where(tdot >= 0, tdot, _np(pc.utf8_length(trimmed)))
            limit = (col.precision or 18) - scale
            over = whole > limit
            # a rounded value that no longer fits is a precision error after all
            err[(err == _CODE["rounded"]) & over] = _CODE["precision"]
            fail(over, "precision")
        elif col.type == "date":
            fail(~_regex(arr, r"^\d{8}$"), "type")
            idx = np.flatnonzero(todo)
            if len(idx):
                v = np.array([values[i] for i in idx], dtype="U8").astype(np.int64)
                y, m, d = v // 10000, v // 100 % 100, v % 100
                leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
                dim = _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
                bad = np.zeros(n, dtype=bool)
                bad[idx] = (m < 1) | (m > 12) | (d < 1) | (d > dim)
                fail(bad, "impossible_date")
                early = np.zeros(n, dtype=bool)
                early[idx] = v < self.min_date
                fail(early, "date_range")
        else:  # month
            ok = _regex(arr, r"^\d{4}(0[1-9]|1[0-2])$")
            fail(~ok, "type")
            if col.name == "data_month":
                fail(_np(pc.not_equal(arr, self.data_month)), "data_month")
        if self.codes is not None:
            unknown = todo & ~_np(pc.is_in(arr, value_set=self.codes))
            err[unknown] = _CODE["unknown_code"]
        return err, rewrite, new_values


def _message(col: Column, rule: str, value: str, first_line: int | None = None) -> str:
    label = f"{col.label}({col.name})"
    return {
        "not_null": f"{label} 不能为空",
        "length": f"{label} 长度 {len(value)} 超过 {col.length}: {value!r}",
        "id_number_check": f"{label} 校验位错误: {value!r}",
        "credit_code_check": f"{label} 校验位错误: {value!r}",
        "type": f"{label} 类型应为 {col.type}: {value!r}",
        "precision": f"{label} 超过精度 ({col.precision},{col.scale}): {value!r}",
        "impossible_date": f"{label} 不存在的日期: {value!r}",
        "date_range": f"{label} {value} 早于 {col.min_date}",
        "data_month": f"{label} {value} 与文件月份不符",
        "unknown_code": f"{label} 值 {value!r} 不在代码表 {col.code_table}",
        "rounded": f"{label} {value!r} 小数位超过 {col.scale}, 已舍入",
    }.get(rule, f"{label}: {rule}")


def structure_problem(spec: Spec, first_lines: list[bytes]) -> str | None:
    """If most sampled lines have another column count, the layout changed upstream: say how."""
    counts = []
    for line in first_lines:
        try:
            counts.append(len(line.rstrip(b"\r\n").decode(spec.encoding).split(spec.delimiter)))
        except UnicodeDecodeError:
            continue
    if not counts:
        return None
    expected = len(spec.columns)
    common = max(set(counts), key=counts.count)
    if common != expected and counts.count(common) > len(counts) / 2:
        diff = "多" if common > expected else "少"
        return (f"文件结构与接口规范不符: 文件每行 {common} 个字段, 规范要求 {expected} 个"
                f"({diff} {abs(common - expected)} 个); 规范字段顺序: {', '.join(spec.column_names)}。"
                f"整个文件暂缓加载, 请提供方确认接口变更。")
    return None


def _chunks(stream: BinaryIO):
    rest = b""
    while True:
        block = stream.read(CHUNK_BYTES)
        if not block:
            if rest:
                yield rest
            return
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        yield block[:cut + 1]
        rest = block[cut + 1:]


def validate_stream(spec: Spec, data_month: str, stream: BinaryIO, sink: Callable[[str], None],
                    extra_columns: tuple[str, ...] = ()) -> FileResult:
    """Validate every line; good rows go to `sink` as COPY text (delimiter = the file's, '' = NULL),
    each line followed by its line number and `extra_columns`."""
    n_cols = len(spec.columns)
    delim = spec.delimiter
    checkers = [_ColumnCheck(c, data_month) for c in spec.columns]
    pk_idx = [spec.column_names.index(k) for k in spec.primary_key]
    pk_name = ",".join(spec.primary_key)
    suffix = "".join(delim + v for v in extra_columns)
    seen: dict[str, int] = {}
    res = FileResult()
    line_base = 0
    for chunk in _chunks(stream):
        raw_lines = chunk.split(b"\n")
        if raw_lines and raw_lines[-1] == b"":
            raw_lines.pop()
        first_line = line_base + 1
        line_base += len(raw_lines)
        res.rows_read += len(raw_lines)
        try:
            text = chunk.decode(spec.encoding)
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            bad_enc = []
        except UnicodeDecodeError:
            lines, bad_enc = [], []
            for i, b in enumerate(raw_lines):
                try:
                    lines.append(b.decode(spec.encoding))
                except UnicodeDecodeError as e:
                    lines.append(None)
                    bad_enc.append(i)
                    res.findings.append(Finding(first_line + i, None, "encoding",
                                                f"不是合法的 {spec.encoding.upper()} 编码(字节位置 {e.start})",
                                                b.rstrip(b"\r")))
        if b"\r" in chunk:
            lines = [l.rstrip("\r") if l is not None else None for l in lines]
        parts = [l.split(delim) if l is not None else None for l in lines]
        counts = np.fromiter((len(p) if p is not None else -1 for p in parts), dtype=np.int64, count=len(parts))
        for i in np.flatnonzero((counts != n_cols) & (counts >= 0)):
            res.findings.append(Finding(first_line + int(i), None, "column_count",
                                        f"字段个数 {counts[i]}, 应为 {n_cols}", raw_lines[i].rstrip(b"\r")))
        good_idx = np.flatnonzero(counts == n_cols)
        if len(good_idx) == len(parts):
            rows = parts
        else:
            rows = [parts[i] for i in good_idx]
        if not rows:
            continue
        columns = list(zip(*rows))
        reject = np.zeros(len(rows), dtype=bool)
        rewrite = np.zeros(len(rows), dtype=bool)
        new_cols: dict[int, list[str]] = {}
        pending: list[tuple[int, int, str]] = []  # (row in chunk-good, column index, rule) for findings
        for j, (chk, values) in enumerate(zip(checkers, columns)):
            err, rw, newv = chk.check(list(values))
            if newv is not None:
                new_cols[j] = newv
            rewrite |= rw
            hit = np.flatnonzero(err)
            if len(hit):
                for r in hit:
                    pending.append((int(r), j, _RULE[int(err[r])]))
                reject |= (err > 0) & (err <= len(REJECT_RULES))
        # Duplicate keys among rows that are otherwise fine, first occurrence wins.
        keys = columns[pk_idx[0]] if len(pk_idx) == 1 else ["\x1f".join(k) for k in zip(*(columns[i] for i in pk_idx))]
        line_nos = good_idx + first_line
        for r in np.flatnonzero(~reject):
            ln = int(line_nos[r])
            first = seen.setdefault(keys[r], ln)
            if first != ln:
                reject[r] = True
                res.findings.append(Finding(ln, pk_name, "duplicate_key",
                                            f"主键 {keys[r].replace(chr(31), '/')} 与第 {first} 行重复",
                                            raw_lines[good_idx[r]].rstrip(b"\r")))
        for r, j, rule in pending:
            col = spec.columns[j]
            res.findings.append(Finding(int(line_nos[r]), col.name, rule, _message(col, rule, columns[j][r]),
                                        raw_lines[good_idx[r]].rstrip(b"\r")))
        # COPY text for the good rows.
        keep = np.flatnonzero(~reject)
        out = []
        for r in keep:
            if rewrite[r]:
                fields = [new_cols[j][r] if j in new_cols else columns[j][r] for j in range(n_cols)]
                line = delim.join(fields)
            else:
                line = lines[good_idx[r]]
            out.append(f"{line}{delim}{line_nos[r]}{suffix}")
        text_out = "\n".join(out) + "\n" if out else ""
        if "\\" in text_out:
            text_out = text_out.replace("\\", "\\\\")
        if text_out:
            sink(text_out)
        res.rows_loaded += len(keep)
    res.findings.sort(key=lambda f: (f.line_no, f.column or ""))
    return res
