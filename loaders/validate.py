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
import pyarrow.csv as pacsv

from foundation import checkdigits
from foundation.rules import REJECT_RULES, WARN_RULES
from foundation.spec import Column, Spec, code_table

_CODE = {r: i + 1 for i, r in enumerate(REJECT_RULES + WARN_RULES)}
_RULE = {i: r for r, i in _CODE.items()}

CHUNK_BYTES = 8 << 20
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_CREDIT_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(checkdigits.CREDIT_CHARS):
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
    """Checks one column of a chunk at once; returns per-row rule codes and the column to load."""

    def __init__(self, col: Column, data_month: str):
        self.col = col
        self.data_month = data_month
        self.min_date = int(col.min_date.replace("-", ""))
        self.codes = pa.array(sorted(code_table(col.code_table))) if col.code_table else None

    def check(self, arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
        """Returns (rule code per row, 0 = fine; the values to load, with defaults and rounding applied)."""
        col = self.col
        n = len(arr)
        err = np.zeros(n, dtype=np.int8)
        empty = _np(pc.equal(pc.utf8_length(arr), 0))
        if empty.any():
            if col.default is not None:
                arr = pc.if_else(pa.array(empty), pa.scalar(col.default), arr)
                empty = np.zeros(n, dtype=bool)
            elif not col.nullable:
                err[empty] = _CODE["not_null"]
        todo = ~empty & (err == 0)

        def fail(mask: np.ndarray, rule: str) -> None:
            hit = todo & mask
            err[hit] = _CODE[rule]
            todo[hit] = False

        def fixed_width(mask: np.ndarray, width: int) -> np.ndarray:
            """The rows under `mask` (all exactly `width` ASCII bytes) as an (n, width) byte matrix."""
            sub = arr.filter(pa.array(mask))
            offsets = np.frombuffer(sub.buffers()[1], dtype=np.int32)[sub.offset: sub.offset + len(sub) + 1]
            data = np.frombuffer(sub.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
            return data.reshape(-1, width)

        if col.type == "string":
            if col.length:
                fail(_np(pc.utf8_length(arr)) > col.length, "length")
            if col.check == "id_number":
                fail(~_regex(arr, r"^\d{17}[\dXx]$"), "id_number_check")
                if todo.any():
                    b = fixed_width(todo, 18).copy()
                    b[b == ord("x")] = ord("X")
                    expect = np.frombuffer(checkdigits.ID_CHECK.encode(), dtype=np.uint8)[
                        ((b[:, :17].astype(np.int64) - 48) * np.array(checkdigits.ID_WEIGHTS)).sum(axis=1) % 11]
                    bad = np.zeros(n, dtype=bool)
                    bad[todo] = expect != b[:, 17]
                    fail(bad, "id_number_check")
            if col.check == "credit_code":
                fail(~_regex(arr, r"^[0-9A-HJ-NPQRTUWXY]{18}$"), "credit_code_check")
                if todo.any():
                    v = _CREDIT_VALUE[fixed_width(todo, 18)]
                    c = 31 - (v[:, :17] * np.array(checkdigits.CREDIT_WEIGHTS)).sum(axis=1) % 31
                    c[c == 31] = 0
                    bad = np.zeros(n, dtype=bool)
                    bad[todo] = c != v[:, 17]
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
                values = arr.to_pylist()
                for i in np.flatnonzero(excess):
                    values[i] = str(Decimal(values[i]).quantize(col.quantum, rounding=ROUND_HALF_UP))
                arr = pa.array(values, type=pa.string())
                err[excess] = _CODE["rounded"]  # a warning: the row is kept
            else:
                fail(frac > scale, "precision")
            trimmed = pc.utf8_ltrim(arr, characters="-0")
            tdot = _np(pc.find_substring(trimmed, "."))
            whole = np.where(tdot >= 0, tdot, _np(pc.utf8_length(trimmed)))
            over = whole > (col.precision or 18) - scale
            err[(err == _CODE["rounded"]) & over] = _CODE["precision"]  # rounded up past the precision
            fail(over, "precision")
        elif col.type == "date":
            fail(~_regex(arr, r"^\d{8}$"), "type")
            if todo.any():
                v = _np(pc.cast(arr.filter(pa.array(todo)), pa.int64()))
                y, m, d = v // 10000, v // 100 % 100, v % 100
                leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
                dim = _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
                bad = np.zeros(n, dtype=bool)
                bad[todo] = (m < 1) | (m > 12) | (d < 1) | (d > dim)
                early = np.zeros(n, dtype=bool)
                early[todo] = v < self.min_date
                fail(bad, "impossible_date")
                fail(early, "date_range")
        else:  # month
            fail(~_regex(arr, r"^\d{4}(0[1-9]|1[0-2])$"), "type")
            if col.name == "data_month":
                fail(_np(pc.not_equal(arr, self.data_month)), "data_month")
        if self.codes is not None:
            unknown = todo & ~_np(pc.is_in(arr, value_set=self.codes))
            err[unknown] = _CODE["unknown_code"]
        return err, arr


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
    return _reordered(spec, first_lines)


def _reordered(spec: Spec, lines: list[bytes]) -> str | None:
    """Same column count, but most sampled rows fail in the same columns: the columns were moved.
    Names each failing column and the spec column whose format its values have."""
    rows = []
    for line in lines:
        try:
            fields = line.rstrip(b"\r\n").decode(spec.encoding).split(spec.delimiter)
        except UnicodeDecodeError:
            continue
        if len(fields) == len(spec.columns):
            rows.append(fields)
    if len(rows) < 5:
        return None
    month = rows[0][spec.column_names.index("data_month")] if "data_month" in spec.column_names else "000000"
    checkers = [_ColumnCheck(c, month) for c in spec.columns]
    columns = [pa.array(list(v), type=pa.string()) for v in zip(*rows)]

    def failing(chk: _ColumnCheck, arr: pa.Array) -> float:
        err, _ = chk.check(arr)
        return float(((err > 0) & (err <= len(REJECT_RULES))).mean())

    bad = [j for j, (chk, arr) in enumerate(zip(checkers, columns)) if failing(chk, arr) > 0.5]
    if not bad:
        return None
    notes = []
    for j in bad:
        fits = [spec.columns[k].name for k, chk in enumerate(checkers) if k != j and failing(chk, columns[j]) < 0.1]
        notes.append(f"第 {j + 1} 列按规范应为 {spec.columns[j].label}({spec.columns[j].name})"
                     + (f", 但其内容符合 {'/'.join(fits)} 的格式" if fits else ", 但其内容不符合规范"))
    return (f"文件结构疑似变化(字段顺序调整或含义改变): 抽样 {len(rows)} 行中多数行在相同字段校验失败 — "
            + "; ".join(notes) + "。整个文件暂缓加载, 请提供方确认接口变更。")


def _chunks(stream: BinaryIO):
    rest = b""
    while True:
        block = stream.read(CHUNK_BYTES)
        if not block:
            if rest:
                yield rest + b"\n"
            return
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        yield block[:cut + 1]
        rest = block[cut + 1:]


def _line_bounds(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, without the newline) of every line of a chunk ending in a newline."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    return starts, ends


def _without_lines(data: bytes, starts: np.ndarray, ends: np.ndarray, drop: np.ndarray) -> bytes:
    """The chunk with the lines flagged in `drop` cut out (newlines included)."""
    if not drop.any():
        return data
    pieces, pos = [], 0
    for i in np.flatnonzero(drop):
        pieces.append(data[pos:starts[i]])
        pos = ends[i] + 1
    pieces.append(data[pos:])
    return b"".join(pieces)


def validate_stream(spec: Spec, data_month: str, stream: BinaryIO, sink: Callable[[bytes], None],
                    extra_columns: tuple[str, ...] = ()) -> FileResult:
    """Validate every line; good rows go to `sink` as UTF-8 COPY text (delimiter = the file's, '' =
    NULL), each line followed by its line number and `extra_columns`."""
    n_cols = len(spec.columns)
    names = spec.column_names
    delim = spec.delimiter
    checkers = [_ColumnCheck(c, data_month) for c in spec.columns]
    pk_idx = [names.index(k) for k in spec.primary_key]
    pk_name = ",".join(spec.primary_key)
    suffix = pa.scalar("".join(delim + v for v in extra_columns))
    read_opts = pacsv.ReadOptions(column_names=names, block_size=CHUNK_BYTES * 2, use_threads=True)
    parse_opts = pacsv.ParseOptions(delimiter=delim, quote_char=False, double_quote=False, escape_char=False,
                                    newlines_in_values=False, ignore_empty_lines=False)
    convert_opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                                        quoted_strings_can_be_null=False, check_utf8=False)
    seen: dict[str, int] = {}
    res = FileResult()
    line_base = 0
    delim_byte = ord(delim)
    for chunk in _chunks(stream):
        starts, ends = _line_bounds(chunk)
        n_lines = len(starts)
        first_line = line_base + 1
        line_base += n_lines
        res.rows_read += n_lines

        def raw(i: int) -> bytes:
            return chunk[starts[i]:ends[i]].rstrip(b"\r")

        # 1. Encoding: decode the chunk; on failure find the bad lines and blank them.
        bad_enc = np.zeros(n_lines, dtype=bool)
        try:
            text = chunk.decode(spec.encoding)
        except UnicodeDecodeError:
            parts = []
            for i in range(n_lines):
                try:
                    parts.append(chunk[starts[i]:ends[i]].decode(spec.encoding))
                except UnicodeDecodeError as e:
                    bad_enc[i] = True
                    parts.append("")
                    res.findings.append(Finding(first_line + i, None, "encoding",
                                                f"不是合法的 {spec.encoding.upper()} 编码(字节位置 {e.start})", raw(i)))
            text = "\n".join(parts) + "\n"
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        utf8 = text.encode("utf-8")
        # 2. Column count, from the delimiters per line (in UTF-8 a delimiter byte is always a delimiter).
        u_starts, u_ends = _line_bounds(utf8)
        dpos = np.flatnonzero(np.frombuffer(utf8, dtype=np.uint8) == delim_byte)
        fields = np.searchsorted(dpos, u_ends) - np.searchsorted(dpos, u_starts) + 1
        bad_count = (fields != n_cols) & ~bad_enc
        for i in np.flatnonzero(bad_count):
            res.findings.append(Finding(first_line + int(i), None, "column_count",
                                        f"字段个数 {fields[i]}, 应为 {n_cols}", raw(int(i))))
        good_lines = np.flatnonzero(~(bad_count | bad_enc))
        if not len(good_lines):
            continue
        table = pacsv.read_csv(pa.py_buffer(_without_lines(utf8, u_starts, u_ends, bad_count | bad_enc)),
                               read_options=read_opts, parse_options=parse_opts, convert_options=convert_opts)
        if table.num_rows != len(good_lines):
            raise RuntimeError(f"{spec.interface}: parser saw {table.num_rows} rows, expected {len(good_lines)}")
        line_nos = good_lines + first_line
        # 3. Column rules, all rows of the chunk at once.
        reject = np.zeros(len(good_lines), dtype=bool)
        columns = []
        pending: list[tuple[np.ndarray, int, np.ndarray]] = []
        for j, chk in enumerate(checkers):
            arr = table.column(j).combine_chunks()
            err, arr = chk.check(arr)
            columns.append(arr)
            hit = np.flatnonzero(err)
            if len(hit):
                pending.append((hit, j, err[hit]))
                reject |= (err > 0) & (err <= len(REJECT_RULES))
        # 4. Duplicate keys among rows that are otherwise fine; the first occurrence wins.
        ok = np.flatnonzero(~reject)
        if len(pk_idx) == 1:
            key_arr = columns[pk_idx[0]]
        else:
            key_arr = pc.binary_join_element_wise(*(columns[i] for i in pk_idx), "\x1f")
        keys = key_arr.take(pa.array(ok)).to_pylist()
        lns = line_nos[ok].tolist()
        sd = seen.setdefault
        firsts = np.array([sd(k, ln) for k, ln in zip(keys, lns)], dtype=np.int64)
        for r in np.flatnonzero(firsts != np.array(lns, dtype=np.int64)):
            row = ok[r]
            reject[row] = True
            res.findings.append(Finding(int(line_nos[row]), pk_name, "duplicate_key",
                                        f"主键 {keys[r].replace(chr(31), '/')} 与第 {firsts[r]} 行重复",
                                        raw(int(good_lines[row]))))
        for hit, j, codes in pending:
            col = spec.columns[j]
            for r, code in zip(hit, codes):
                rule = _RULE[int(code)]
                value = table.column(j)[int(r)].as_py()
                res.findings.append(Finding(int(line_nos[r]), col.name, rule, _message(col, rule, value),
                                            raw(int(good_lines[r]))))
        # 5. COPY text for the good rows, assembled column-wise: fields, line number, extras, newline.
        keep = pa.array(~reject)
        n_keep = int((~reject).sum())
        if n_keep:
            cols = [c.filter(keep) for c in columns]
            for k, c in enumerate(cols):
                if spec.columns[k].type == "string" and pc.any(pc.match_substring(c, "\\")).as_py():
                    cols[k] = pc.replace_substring(c, "\\", "\\\\")
            line_col = pa.array(line_nos[~reject]).cast(pa.string())
            joined = pc.binary_join_element_wise(*cols, line_col, delim)
            joined = pc.binary_join_element_wise(joined, suffix, pa.scalar("\n"), "")
            offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[joined.offset: joined.offset + len(joined) + 1]
            sink(memoryview(joined.buffers()[2])[offsets[0]:offsets[-1]])
        res.rows_loaded += n_keep
    res.findings.sort(key=lambda f: (f.line_no, f.column or ""))
    return res
