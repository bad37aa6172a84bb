"""Validate an interface file against its spec: streamed in chunks, checked column-wise.

Lines are read in chunks of a few MB, decoded, split, and each column is checked for the whole chunk at
once with Arrow compute kernels and NumPy (no per-field Python code on the hot path). Only the rows that
fail a rule are looked at one by one, to describe them. Good lines are passed on nearly as delivered:
the COPY stream uses the file's own delimiter with an empty field as NULL, plus the line number and any
extra columns, so PostgreSQL does the typing. Every rejected row keeps its original bytes and names
the file line, column (where one can be named) and rule.

Speed (the load runs beside the server's COPY and must keep up with it, bench/results/loader.md): the
common all-good case takes byte-level fast paths — GBK transcoded with NumPy (loaders/encoding.py), the
field count left to the CSV parser (which refuses a wrong one), fixed-width columns (ID numbers, credit
codes, dates, months) checked as byte matrices, and the COPY text made from the decoded lines. Each fast
path decides exactly as the reference path it stands for, and hands anything it does not cover (a bad
byte, a wrong field count, a rewritten value, a backslash) to that path; `validate_stream(exact=True)`
takes the reference paths only, and tests/unit/test_validate.py checks that both agree.

Whole-line rules, checked first on the raw bytes of every line (the row is rejected):
  control_char   a C0 control character (NUL, a CR not followed by LF, ESC, …; TAB is allowed)
  encoding       not valid in the file's encoding, or UTF-8 text inside a GBK file (loaders/encoding.py)
  header_line    line 1 is a header (column names or labels), files carry none
  column_count   more or fewer delimiters than the spec has columns
Column rules, in this order per column; a column reports its first failing rule:
  not_null, type, length, precision, date_range, impossible_date, data_month,
  id_number_old15, id_number_length, id_number_format, id_number_birth, id_number_check,
  credit_code_length, credit_code_chars, credit_code_check                      → the row is rejected
  unknown_code, rounded                                                         → kept, finding reported
Then, on the rows still good: out_of_range (the column's `range` in the spec: min/max, a date not after
the data month, an age at a date, or bounds from a caliber seed; severity reject, or warn = kept and
reported), duplicate_key (the first occurrence wins), truncated_line (the last line has no newline and its
last field is shorter than that field on every other line). A missing final newline is accepted and
noted (no_final_newline, a warning).
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from foundation import checkdigits
from foundation.rules import REJECT_RULES, WARN_RULES
from foundation.spec import Column, Spec, code_table
from loaders.encoding import bom, double_byte_to_utf8, utf8_fields

_CODE = {r: i + 1 for i, r in enumerate(REJECT_RULES + WARN_RULES)}
_RULE = {i: r for r, i in _CODE.items()}
_N_REJECT = len(REJECT_RULES)

CHUNK_BYTES = 4 << 20   # lines per chunk: large enough that per-chunk costs vanish, small enough to stay in cache
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_POW10 = {w: 10 ** np.arange(w - 1, -1, -1, dtype=np.int64) for w in (2, 4, 6, 8)}
_ID_WEIGHTS = np.array(checkdigits.ID_WEIGHTS, dtype=np.int64)
_CREDIT_WEIGHTS = np.array(checkdigits.CREDIT_WEIGHTS, dtype=np.int64)
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
    severity: str = ""   # reject | warn; by default from the rule (out_of_range's comes from the spec)

    def __post_init__(self):
        if not self.severity:
            self.severity = "reject" if self.rule in REJECT_RULES else "warn"

    @property
    def rejected(self) -> bool:
        return self.severity == "reject"


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


# --- byte-level fast paths ---------------------------------------------------------------------------
# The rules below are decided on the UTF-8 bytes of a column (its Arrow offsets and data buffer) with NumPy,
# instead of a regular expression or a length kernel per value. Each is the same predicate as the regular
# expression it replaces (RE2's \d is ASCII 0-9, so a value of the wrong byte length can never match a
# fixed-width pattern); the regular-expression path is kept (`exact=True`) and tests/unit/test_validate.py
# checks that both give the same rule codes on mixed good and bad values.

_IS_DIGIT = np.zeros(256, dtype=bool)
_IS_DIGIT[48:58] = True
_IS_CREDIT = _CREDIT_VALUE >= 0          # the credit-code alphabet, [0-9A-HJ-NPQRTUWXY]


def _offsets(arr: pa.Array) -> np.ndarray:
    """The int32 value offsets of a string array (its slice)."""
    return np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]


def _all_digits(m: np.ndarray) -> np.ndarray:
    """Per row of a uint8 matrix: every byte an ASCII digit (a running maximum column by column: a
    reduction along the short axis costs several times more)."""
    if not m.shape[1]:
        return np.ones(len(m), dtype=bool)
    acc = m[:, 0] - np.uint8(48)  # bytes below '0' wrap round to 208 and above
    for k in range(1, m.shape[1]):
        np.maximum(acc, m[:, k] - np.uint8(48), out=acc)
    return acc < 10


def _weighted(m: np.ndarray, weights: np.ndarray, zero: int = 48) -> np.ndarray:
    """Per row: sum of (byte - zero) * weight, in int64, column by column (digits to a number with powers
    of ten as weights, or a check-digit sum)."""
    acc = np.zeros(len(m), dtype=np.int64)
    for k in range(m.shape[1]):
        acc += m[:, k].astype(np.int64) * int(weights[k])
    return acc - zero * int(weights.sum())


def _byte_lengths(arr: pa.Array) -> np.ndarray:
    return np.diff(_offsets(arr))


def _byte_matrix(arr: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The values of `rows` (a mask; each value exactly `width` bytes) as a (k, width) uint8 matrix."""
    off = _offsets(arr)
    buf = arr.buffers()[2]
    data = np.frombuffer(buf, dtype=np.uint8) if buf is not None else np.empty(0, dtype=np.uint8)
    if rows.all():  # every value has the width: the data buffer is the matrix already (no copy)
        return data[off[0]: off[-1]].reshape(-1, width)
    return data[off[:-1][rows][:, None] + np.arange(width)]


def _month_end(month: str) -> int:
    """YYYYMMDD of the last day of month YYYYMM."""
    y, m = int(month[:4]), int(month[4:])
    if not (1 <= y <= 9998 and 1 <= m <= 12):
        return 99991231
    nxt = dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    return int(nxt.strftime("%Y%m%d"))


def _valid_ymd(v: np.ndarray) -> np.ndarray:
    return _valid_parts(v // 10000, v // 100 % 100, v % 100)


def _valid_parts(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Year, month, day make a date (29 February only in a leap year, which is looked up on those rows only)."""
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= _DAYS[np.clip(m, 0, 12)])
    feb29 = np.flatnonzero((m == 2) & (d == 29))
    if len(feb29):
        yy = y[feb29]
        ok[feb29] = ((yy % 4 == 0) & (yy % 100 != 0)) | (yy % 400 == 0)
    return ok


def _ymd(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The YYYYMMDD number of each row of an (n, 8) digit-byte matrix, and whether it is a real date."""
    y, mo, d = _weighted(m[:, :4], _POW10[4]), _weighted(m[:, 4:6], _POW10[2]), _weighted(m[:, 6:8], _POW10[2])
    return y * 10000 + mo * 100 + d, _valid_parts(y, mo, d)


def _spread(n: int, rows: np.ndarray, values: np.ndarray, fill: bool) -> np.ndarray:
    """A length-n mask: `values` on the rows under the mask `rows`, `fill` elsewhere (no copy when `rows`
    is every row)."""
    if len(values) == n:
        return values
    out = np.full(n, fill, dtype=bool)
    out[rows] = values
    return out


class _Rows:
    """One column of a chunk under check: the values, the rule code per row so far (0 = fine), the rows still to
    check, and on the fast path (plain strings, no nulls) the values' byte lengths."""

    __slots__ = ("arr", "err", "todo", "fast", "blen", "n")

    def __init__(self, arr: pa.Array, err: np.ndarray, todo: np.ndarray, fast: bool, blen: np.ndarray | None):
        self.arr, self.err, self.todo, self.fast, self.blen, self.n = arr, err, todo, fast, blen, len(arr)

    def fail(self, mask: np.ndarray, rule: str) -> None:
        hit = self.todo & mask
        if hit.any():
            self.err[hit] = _CODE[rule]
            self.todo[hit] = False

    def fixed_width(self, mask: np.ndarray, width: int) -> np.ndarray:
        """The rows under `mask` (all exactly `width` ASCII bytes) as an (n, width) byte matrix."""
        sub = self.arr.filter(pa.array(mask))
        offsets = np.frombuffer(sub.buffers()[1], dtype=np.int32)[sub.offset: sub.offset + len(sub) + 1]
        data = np.frombuffer(sub.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
        return data.reshape(-1, width)


class _ColumnCheck:
    """Checks one column of a chunk at once; returns per-row rule codes and the column to load."""

    def __init__(self, col: Column, data_month: str, exact: bool = False):
        self.col = col
        self.data_month = data_month
        self.exact = exact   # the regular-expression path only (the reference for the byte-level fast paths)
        dm = data_month.encode()
        self.month_bytes = np.frombuffer(dm, dtype=np.uint8) if len(dm) == 6 else None
        self.month_valid = re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", data_month) is not None
        self.min_date = int(col.min_date.replace("-", ""))
        self.month_end = _month_end(data_month) if len(data_month) == 6 and data_month.isdigit() else 99991231
        self.codes = pa.array(sorted(code_table(col.code_table))) if col.code_table else None

    def check(self, arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
        """Returns (rule code per row, 0 = fine; the values to load, with defaults and rounding applied)."""
        r = self._start(arr)
        by_type = {"string": self._string, "integer": self._integer, "decimal": self._decimal, "date": self._date}
        by_type.get(self.col.type, self._month)(r)
        if self.codes is not None:
            unknown = r.todo & ~_np(pc.is_in(r.arr, value_set=self.codes))
            r.err[unknown] = _CODE["unknown_code"]
        return r.err, r.arr

    def _start(self, arr: pa.Array) -> _Rows:
        """The column's rows, empties given the default or refused as not_null."""
        col = self.col
        n = len(arr)
        err = np.zeros(n, dtype=np.int8)
        fast = not self.exact and arr.type == pa.string() and arr.null_count == 0
        blen = _byte_lengths(arr) if fast else None
        empty = (blen == 0) if fast else _np(pc.equal(pc.utf8_length(arr), 0))
        if empty.any():
            if col.default is not None:
                arr = pc.if_else(pa.array(empty), pa.scalar(col.default), arr)
                empty = np.zeros(n, dtype=bool)
                blen = _byte_lengths(arr) if fast else None
            elif not col.nullable:
                err[empty] = _CODE["not_null"]
        return _Rows(arr, err, ~empty & (err == 0), fast, blen)

    def _string(self, r: _Rows) -> None:
        col, arr = self.col, r.arr
        if col.length and not col.check:  # identifiers have rules of their own, naming what is wrong
            if r.fast:  # no more bytes than the limit: no more characters either; count the others
                over = r.blen > col.length
                if over.any():
                    over[over] = _np(pc.utf8_length(arr.filter(pa.array(over)))) > col.length
                r.fail(over, "length")
            else:
                r.fail(_np(pc.utf8_length(arr)) > col.length, "length")
        if col.check == "id_number":
            self._id_number(r)
        if col.check == "credit_code":
            self._credit_code(r)

    def _malformed(self, r: _Rows, shape: np.ndarray, rule_of) -> None:
        """The few malformed identifiers, one by one: which way each is wrong (rule_of(value) → rule)."""
        if (r.todo & shape).any():
            sub = np.zeros(r.n, dtype=bool)
            for i in np.flatnonzero(r.todo & shape):
                v = r.arr[int(i)].as_py()
                sub[i] = True
                r.err[i] = _CODE[rule_of(v)]
            r.todo &= ~sub

    def _id_number(self, r: _Rows) -> None:
        n, arr = r.n, r.arr
        m = fine = None
        if r.fast:  # ^\d{17}[\dXx]$ on the 18-byte values; any other length is malformed
            cand = r.todo & (r.blen == 18)
            m = _byte_matrix(arr, cand, 18)
            last = m[:, 17]
            fine = _all_digits(m[:, :17]) & (_IS_DIGIT[last] | (last == 88) | (last == 120))
            shape = _spread(n, cand, ~fine, True)
        else:
            shape = ~_regex(arr, r"^\d{17}[\dXx]$")
        self._malformed(r, shape, lambda v: "id_number_old15" if len(v) == 15 and v.isdigit() else
                        "id_number_length" if len(v) != 18 else "id_number_format")
        if r.todo.any():
            b = m[fine] if r.fast else r.fixed_width(r.todo, 18).copy()  # (a boolean index copies)
            birth, real = _ymd(b[:, 6:14])
            bad = _spread(n, r.todo, ~real | (birth < 18000101) | (birth > self.month_end), False)
            b[b == ord("x")] = ord("X")
            expect = np.frombuffer(checkdigits.ID_CHECK.encode(), dtype=np.uint8)[
                _weighted(b[:, :17], _ID_WEIGHTS) % 11]
            wrong = _spread(n, r.todo, expect != b[:, 17], False)
            r.fail(bad, "id_number_birth")
            r.fail(wrong, "id_number_check")

    def _credit_code(self, r: _Rows) -> None:
        n, arr = r.n, r.arr
        m = fine = None
        if r.fast:  # ^[0-9A-HJ-NPQRTUWXY]{18}$ on the 18-byte values
            cand = r.todo & (r.blen == 18)
            m = _byte_matrix(arr, cand, 18)
            fine = _IS_CREDIT[m].all(axis=1)
            shape = _spread(n, cand, ~fine, True)
        else:
            shape = ~_regex(arr, r"^[0-9A-HJ-NPQRTUWXY]{18}$")
        self._malformed(r, shape, lambda v: "credit_code_length" if len(v) != 18 else "credit_code_chars")
        if r.todo.any():
            v = _CREDIT_VALUE[m[fine] if r.fast else r.fixed_width(r.todo, 18)]
            c = 31 - _weighted(v[:, :17], _CREDIT_WEIGHTS, 0) % 31
            c[c == 31] = 0
            bad = np.zeros(n, dtype=bool)
            bad[r.todo] = c != v[:, 17]
            r.fail(bad, "credit_code_check")

    def _integer(self, r: _Rows) -> None:
        r.fail(~_regex(r.arr, r"^-?\d+$"), "type")
        if self.col.length:
            r.fail(_np(pc.utf8_length(pc.utf8_ltrim(r.arr, characters="-"))) > self.col.length, "length")

    def _decimal(self, r: _Rows) -> None:
        col = self.col
        r.fail(~_regex(r.arr, r"^-?\d+(\.\d+)?$"), "type")
        length = _np(pc.utf8_length(r.arr))
        dot = _np(pc.find_substring(r.arr, "."))
        frac = np.where(dot >= 0, length - dot - 1, 0)
        scale = col.scale or 0
        excess = r.todo & (frac > scale)
        if col.round_excess and excess.any():
            values = r.arr.to_pylist()
            for i in np.flatnonzero(excess):
                values[i] = str(Decimal(values[i]).quantize(col.quantum, rounding=ROUND_HALF_UP))
            r.arr = pa.array(values, type=pa.string())
            r.err[excess] = _CODE["rounded"]  # a warning: the row is kept
        else:
            r.fail(frac > scale, "precision")
        trimmed = pc.utf8_ltrim(r.arr, characters="-0")
        tdot = _np(pc.find_substring(trimmed, "."))
        whole = np.where(tdot >= 0, tdot, _np(pc.utf8_length(trimmed)))
        over = whole > (col.precision or 18) - scale
        r.err[(r.err == _CODE["rounded"]) & over] = _CODE["precision"]  # rounded up past the precision
        r.fail(over, "precision")

    def _date(self, r: _Rows) -> None:
        n, arr = r.n, r.arr
        if r.fast:  # ^\d{8}$: eight bytes, all digits; the value read from the same bytes
            cand = r.todo & (r.blen == 8)
            m = _byte_matrix(arr, cand, 8)
            fine = _all_digits(m)
            shape = _spread(n, cand, ~fine, True)
            r.fail(shape, "type")
        else:
            r.fail(~_regex(arr, r"^\d{8}$"), "type")
        if r.todo.any():
            if r.fast:
                v, real = _ymd(m if fine.all() else m[fine])
            else:
                v = _np(pc.cast(arr.filter(pa.array(r.todo)), pa.int64()))
                real = _valid_ymd(v)
            bad = _spread(n, r.todo, ~real, False)
            early = _spread(n, r.todo, v < self.min_date, False)
            r.fail(bad, "impossible_date")
            r.fail(early, "date_range")

    def _month(self, r: _Rows) -> None:
        if not r.fast:
            r.fail(~_regex(r.arr, r"^\d{4}(0[1-9]|1[0-2])$"), "type")
            if self.col.name == "data_month":
                r.fail(_np(pc.not_equal(r.arr, self.data_month)), "data_month")
            return
        # ^\d{4}(0[1-9]|1[0-2])$: six bytes, all digits, the month 01-12
        n = r.n
        cand = r.todo & (r.blen == 6)
        m = _byte_matrix(r.arr, cand, 6)
        same = None
        if self.col.name == "data_month" and self.month_bytes is not None:
            same = m[:, 0] == self.month_bytes[0]
            for k in range(1, 6):
                same &= m[:, k] == self.month_bytes[k]
        if same is not None and self.month_valid and same.all():
            r.fail(~cand, "type")  # every six-byte value is the file's month, itself well-formed
        else:
            mm = (m[:, 4].astype(np.int64) - 48) * 10 + m[:, 5] - 48
            fine = _all_digits(m) & (mm >= 1) & (mm <= 12)
            r.fail(_spread(n, cand, ~fine, True), "type")
        if self.col.name == "data_month":
            if same is not None:  # the rows still to do are `cand` rows of a well-formed month
                r.fail(_spread(n, cand, ~same, False), "data_month")
            else:
                r.fail(_np(pc.not_equal(r.arr, self.data_month)), "data_month")


def _message(col: Column, rule: str, value: str, first_line: int | None = None) -> str:
    label = f"{col.label}({col.name})"
    return {
        "not_null": f"{label} 不能为空",
        "length": f"{label} 长度 {len(value)} 超过 {col.length}: {value!r}",
        "id_number_old15": f"{label} 为 15 位旧身份证号码: {value!r}, 应为 18 位",
        "id_number_length": f"{label} 位数 {len(value)} 不符, 应为 18 位: {value!r}",
        "id_number_format": f"{label} 含非法字符(前 17 位应为数字, 末位为数字或 X): {value!r}",
        "id_number_birth": f"{label} 第 7-14 位出生日期 {value[6:14]} 不存在或晚于数据月份: {value!r}",
        "id_number_check": f"{label} 校验位错误: {value!r}, 按前 17 位应为 "
                           f"{checkdigits.id_check_char(value[:17]) if value[:17].isdigit() else '?'}",
        "credit_code_length": f"{label} 位数 {len(value)} 不符, 应为 18 位: {value!r}",
        "credit_code_chars": f"{label} 含编码字符集以外的字符 "
                             f"{''.join(sorted({c for c in value if c not in checkdigits.CREDIT_VALUE}))!r}: {value!r}",
        "credit_code_check": f"{label} 校验位错误: {value!r}, 按前 17 位应为 "
                             f"{checkdigits.credit_check_char(value[:17]) if all(c in checkdigits.CREDIT_VALUE for c in value[:17]) else '?'}",
        "type": f"{label} 类型应为 {col.type}: {value!r}",
        "precision": f"{label} 超过精度 ({col.precision},{col.scale}): {value!r}",
        "impossible_date": f"{label} 不存在的日期: {value!r}",
        "date_range": f"{label} {value} 早于 {col.min_date}",
        "data_month": f"{label} {value} 与文件月份不符",
        "unknown_code": f"{label} 值 {value!r} 不在代码表 {col.code_table}",
        "rounded": f"{label} {value!r} 小数位超过 {col.scale}, 已舍入",
    }.get(rule, f"{label}: {rule}")


# --- ranges (the `range` key of a column) -------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _seed(name: str) -> list[dict]:
    from foundation import settings

    for folder in ("caliber", "codes"):
        path = Path(settings.SEEDS) / folder / f"{name}.csv"
        if path.exists():
            with path.open(encoding="utf-8") as f:
                return list(csv.DictReader(f))
    raise FileNotFoundError(f"seed {name} not found under {settings.SEEDS}")


class _RangeCheck:
    """A column's `range`: min/max (numbers; dates as YYYY-MM-DD or `data_month_end`), `min_age`/`max_age`
    with `birth` (the age at this date), or `seed` + `at` (the seed row in effect in the month of column
    `at`, its columns `min`/`max` as bounds). `severity`: reject (default) or warn."""

    def __init__(self, col: Column, spec: Spec, data_month: str):
        r = dict(col.range)
        self.col = col
        self.severity = r.pop("severity", "reject")
        self.birth = r.pop("birth", None)
        self.at = r.pop("at", None)
        self.seed = r.pop("seed", None)
        self.min_age, self.max_age = r.pop("min_age", None), r.pop("max_age", None)
        lo, hi = r.pop("min", None), r.pop("max", None)
        if r:
            raise ValueError(f"{spec.interface}.{col.name}: unknown range keys {sorted(r)}")
        if self.severity not in ("reject", "warn"):
            raise ValueError(f"{spec.interface}.{col.name}: range severity must be reject or warn")
        self.month_end = _month_end(data_month) if len(data_month) == 6 and data_month.isdigit() else 99991231
        if self.seed:
            rows = sorted(_seed(self.seed), key=lambda x: x["effective_from"])
            self.starts = np.array([int(x["effective_from"][:7].replace("-", "")) for x in rows])
            self.lows = np.array([float(x[lo]) if lo else -np.inf for x in rows])
            self.highs = np.array([float(x[hi]) if hi else np.inf for x in rows])
            self.lo_name, self.hi_name = lo, hi
            self.lo = self.hi = None
        else:
            self.lo, self.hi = self._bound(lo), self._bound(hi)
        self.names = [n for n in (col.name, self.birth, self.at) if n]
        # columns that can be empty on a good row (the others passed not_null or got their default)
        self.optional = [n for n in self.names if spec.column(n).nullable and spec.column(n).default is None]

    def _bound(self, v):
        if v is None:
            return None
        if self.col.type == "date":
            return self.month_end if v == "data_month_end" else int(str(v).replace("-", ""))
        return float(v)

    def violations(self, cols: dict[str, pa.Array], ok: np.ndarray) -> tuple[np.ndarray, list]:
        """Rows (indices) outside the range among `ok` with all the columns used non-empty, and per row
        the bounds (lo, hi) they were checked against."""
        mask = ok.copy()
        for name in self.optional:
            mask &= _np(pc.greater(pc.utf8_length(cols[name]), 0))
        idx = np.flatnonzero(mask)
        if not len(idx):
            return idx, []
        take = pa.array(idx)
        kind = pa.int64() if self.col.type == "date" else pa.float64()
        v = _np(pc.cast(cols[self.col.name].take(take), kind)).astype(np.float64)
        if self.birth:
            b = _np(pc.cast(cols[self.birth].take(take), pa.int64()))
            v = (v.astype(np.int64) - b) // 10000  # whole years of age at this date
            lo = np.full(len(idx), -np.inf if self.min_age is None else float(self.min_age))
            hi = np.full(len(idx), np.inf if self.max_age is None else float(self.max_age))
        elif self.seed:
            at = _np(pc.cast(pc.utf8_slice_codeunits(cols[self.at].take(take), 0, 6), pa.int64()))
            k = np.clip(np.searchsorted(self.starts, at, side="right") - 1, 0, len(self.starts) - 1)
            lo, hi = self.lows[k], self.highs[k]
        else:
            lo = np.full(len(idx), -np.inf if self.lo is None else self.lo)
            hi = np.full(len(idx), np.inf if self.hi is None else self.hi)
        bad = (v < lo) | (v > hi)
        return idx[bad], list(zip(lo[bad], hi[bad], v[bad]))

    def message(self, value: str, bounds, row: dict[str, str]) -> str:
        lo, hi, v = bounds
        label = f"{self.col.label}({self.col.name})"

        def fmt(x):
            if not np.isfinite(x):
                return None
            if self.col.type == "date" and not self.birth:
                return f"{int(x) // 10000:04d}-{int(x) // 100 % 100:02d}-{int(x) % 100:02d}"
            return f"{x:g}"
        side = f"低于下限 {fmt(lo)}" if v < lo else f"高于上限 {fmt(hi)}"
        if self.birth:
            return (f"{label} {value} 时年龄 {int(v)} 岁, {side} 岁(出生日期 {row.get(self.birth)}); "
                    f"范围 {fmt(lo) or '-'}~{fmt(hi) or '-'} 岁")
        if self.seed:
            return (f"{label} {value} {side} ({self.at} {row.get(self.at)} 所属年度: {self.seed} "
                    f"{self.lo_name or ''} {fmt(lo) or '-'} ~ {self.hi_name or ''} {fmt(hi) or '-'})")
        if self.col.type == "date" and self.hi == self.month_end and v > hi:
            return f"{label} {value} 晚于数据月份最后一天 {fmt(hi)}"
        return f"{label} {value} {side}(范围 {fmt(lo) or '-'} ~ {fmt(hi) or '-'})"


# --- structure and encoding of the file as a whole ---------------------------------------------------

def _fields(spec: Spec, line: bytes) -> list[str] | None:
    try:
        return line.rstrip(b"\r\n").decode(spec.encoding).split(spec.delimiter)
    except UnicodeDecodeError:
        return None


def is_header(spec: Spec, fields: list[str]) -> bool:
    """A line whose fields are mostly the spec's column names or labels (a header row)."""
    known = {c.name.lower() for c in spec.columns} | {c.label for c in spec.columns} | \
        {c.label.split("(")[0].split("（")[0] for c in spec.columns}
    hits = sum(f.strip().lower() in known or f.strip() in known for f in fields)
    return hits >= max(2, len(spec.columns) // 2)


def sample_lines(path: Path, head: int = 200, windows: int = 4, per_window: int = 100) -> list[bytes]:
    """The first `head` lines and `per_window` lines at each of `windows` offsets spread over the file:
    the structure is judged on the file as a whole, not on its first lines."""
    size = path.stat().st_size
    out: list[bytes] = []
    with path.open("rb") as f:
        for _ in range(head):
            line = f.readline()
            if not line:
                return out
            out.append(line)
        end = f.tell()
        for k in range(1, windows + 1):
            pos = size * k // (windows + 1)
            if pos <= end:
                continue
            f.seek(pos)
            f.readline()  # skip to the next line start
            for _ in range(per_window):
                line = f.readline()
                if not line:
                    break
                out.append(line)
            end = f.tell()
    return out


def encoding_problem(spec: Spec, first_bytes: bytes, lines: list[bytes]) -> str | None:
    """The whole file is in another encoding than the spec's: a byte-order mark, or most of its sampled
    lines Chinese text and most of those UTF-8 (loaders/encoding.py). None when the encoding is right."""
    mark = bom(first_bytes)
    if mark:
        return (f"文件编码不符: 文件以 {mark} 字节顺序标记(BOM {first_bytes[:3 if mark == 'UTF-8' else 2].hex(' ').upper()})"
                f"开头, 是 {mark} 编码, 接口规范要求 {spec.encoding.upper()}(不带 BOM)。整个文件暂缓加载, "
                f"请按 {spec.encoding.upper()} 重新导出。")
    wide = [line.rstrip(b"\r\n") for line in lines if not line.isascii()]
    if not wide:
        return None
    utf8 = [(line, found) for line in wide if (found := utf8_fields(line, spec.delimiter.encode(), spec.encoding))]
    # Most lines carry Chinese text, and most of those lines are UTF-8: the file, not a few lines, is UTF-8.
    # (A file of codes and numbers is the same in both encodings: its few UTF-8 lines are line findings.)
    if len(utf8) >= 3 and len(utf8) * 2 > len(wide) and len(wide) * 2 > len(lines):
        line, found = utf8[0]
        k, text = found[0]
        shown = line.split(spec.delimiter.encode())[k].decode(spec.encoding, errors="replace")
        return (f"文件编码不符: 抽样 {len(wide)} 行含中文的行中 {len(utf8)} 行为 UTF-8 编码(如 {text!r} 按 "
                f"{spec.encoding.upper()} 读作 {shown!r}), 接口规范要求 {spec.encoding.upper()}。整个文件暂缓加载, "
                f"请按 {spec.encoding.upper()} 重新导出。")
    return None


def structure_problem(spec: Spec, first_lines: list[bytes], data_month: str | None = None) -> str | None:
    """If most sampled lines have another column count, the layout changed upstream: say how. Header lines
    and lines that do not decode are left out; the verdict needs a clear majority of the sample."""
    rows = [f for f in (_fields(spec, line) for line in first_lines) if f is not None and not is_header(spec, f)]
    counts = [len(f) for f in rows]
    if not counts:
        return None
    expected = len(spec.columns)
    common = max(set(counts), key=counts.count)
    if common != expected and counts.count(common) > len(counts) / 2:
        diff = "多" if common > expected else "少"
        return (f"文件结构与接口规范不符: 文件每行 {common} 个字段, 规范要求 {expected} 个"
                f"({diff} {abs(common - expected)} 个); 规范字段顺序: {', '.join(spec.column_names)}。"
                f"整个文件暂缓加载, 请提供方确认接口变更。")
    return _reordered(spec, [f for f in rows if len(f) == expected], data_month)


def _reordered(spec: Spec, rows: list[list[str]], data_month: str | None) -> str | None:
    """Same column count, but most sampled rows fail in the same columns: the columns were moved.
    Names each failing column and the spec column whose format its values have. The data month is not
    a layout question (a wrong month is a finding per row), so that rule does not count here."""
    if len(rows) < 5:
        return None
    checkers = [_ColumnCheck(c, data_month or "999912") for c in spec.columns]
    columns = [pa.array(list(v), type=pa.string()) for v in zip(*rows)]
    month_code = _CODE["data_month"]

    def failing(chk: _ColumnCheck, arr: pa.Array) -> float:
        err, _ = chk.check(arr)
        return float(((err > 0) & (err <= _N_REJECT) & (err != month_code)).mean())

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
    """(chunk of whole lines ending in a newline, is the last chunk, the file's final newline was missing)."""
    rest = b""
    pending = None
    while True:
        block = stream.read(CHUNK_BYTES)
        if not block:
            break
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        if pending is not None:
            yield pending, False, False
        pending, rest = block[:cut + 1], block[cut + 1:]
    if rest:
        if pending is not None:
            yield pending, False, False
        yield rest + b"\n", True, True
    elif pending is not None:
        yield pending, True, False


def _stream_bytes(stream: BinaryIO) -> int | None:
    """The size of the file behind `stream`, if it is one."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


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


_CONTROL_NAMES = {0: "NUL", 13: "CR(单独的回车, 未与换行成对)", 27: "ESC", 8: "BS(退格)", 12: "FF(换页)",
                  11: "VT(垂直制表)", 26: "SUB(Ctrl-Z)", 7: "BEL"}


def _field_at(spec: Spec, line: bytes, pos: int) -> int:
    """0-based index of the field holding byte `pos` of a raw line (delimiters counted in the text before it)."""
    return line[:pos].decode(spec.encoding, errors="replace").count(spec.delimiter)


def _column_name(spec: Spec, k: int) -> tuple[str | None, str]:
    if 0 <= k < len(spec.columns):
        c = spec.columns[k]
        return c.name, f"第 {k + 1} 个字段 {c.label}({c.name})"
    return None, f"第 {k + 1} 个字段(规范之外)"


def _utf8_finding(spec: Spec, line_no: int, line: bytes, found: list[tuple[int, str]]) -> Finding:
    k, text = found[0]
    name, where = _column_name(spec, k)
    part = line.split(spec.delimiter.encode())[k]
    shown = part.decode(spec.encoding, errors="replace")
    more = f"(另有 {len(found) - 1} 个字段同样)" if len(found) > 1 else ""
    return Finding(line_no, name, "encoding",
                   f"{where} 为 UTF-8 编码的文字 {text!r}(按 {spec.encoding.upper()} 读作 {shown!r}){more}; "
                   f"请按 {spec.encoding.upper()} 编码导出", line)


def _decode_finding(spec: Spec, line_no: int, line: bytes, e: UnicodeDecodeError) -> Finding:
    k = _field_at(spec, line, e.start)
    name, where = _column_name(spec, k)
    bad = line[e.start:e.end + 1][:4]
    return Finding(line_no, name, "encoding",
                   f"{where} 含非法 {spec.encoding.upper()} 字节 {bad.hex(' ').upper()}(行内字节位置 {e.start + 1}); "
                   f"请按 {spec.encoding.upper()} 编码导出, 检查是否混入其他编码的文字", line)


def _wide_starts(b: np.ndarray) -> np.ndarray:
    """Positions where a UTF-8 three/four-byte sequence starts right after an ASCII byte (a delimiter, a
    digit, a space …). In GBK text of everyday characters that byte would be a level-1 lead (B0–D7), never
    E3–F4, so this finds the UTF-8 fields of a GBK file at the cost of two comparisons per byte."""
    lead = np.flatnonzero(b[:-2] >= 0xE3)  # one pass; few hits (GBK trail bytes), filtered below
    v = b[lead]
    prev = b[np.maximum(lead - 1, 0)]
    lead = lead[(v <= 0xF4) & ((prev < 0x80) | (lead == 0))]  # position 0 of a chunk is a line start
    return lead[((b[lead + 1] & 0xC0) == 0x80) & ((b[lead + 2] & 0xC0) == 0x80)]


class _KeySet:
    """The primary keys seen so far in a file, with the line of their first occurrence.

    Keys whose columns have one fixed width each and are digits, the last character possibly an ID number's X or x
    (months, numeric person and unit numbers, ID numbers: nearly every interface), are packed into one int64 and kept
    in a NumPy hash table (open addressing, linear probing, at most half full): a chunk is checked with one sort (its
    own duplicates) and a few vectorised probes, no Python object per row. (A sorted array with the chunk's new keys
    inserted costs a copy of every key per chunk: 17 of 41 s of CPU on the police register at scale 1.0.) Each
    column is encoded as (its first w - 1 digits) × 12 + (its last character: 0–9, X = 10, x = 11), so a number and an
    ID number share one encoding whatever a chunk holds. Any other key (letters, a width that changes, a key too long
    for 63 bits) moves the set to a dict of strings, checked row by row.

    A free slot holds -1 (packed keys are ≥ 0); a key's first slot is the top bits of key × 2⁶⁴/φ (Fibonacci hashing)."""

    LAST = "0123456789Xx"
    _LAST_CODE = np.full(256, -1, dtype=np.int64)
    _LAST_CODE[48:58] = np.arange(10)
    _LAST_CODE[ord("X")], _LAST_CODE[ord("x")] = 10, 11

    _MUL = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self):
        self.widths: list[int] | None = None
        self.slots = np.full(1 << 12, -1, dtype=np.int64)   # the packed keys, -1 = free
        self.lines = np.zeros(1 << 12, dtype=np.int32)      # the first line of each (int64 once a file needs it)
        self.count = 0
        self.expected = 0                           # rows the file is estimated to hold (reserved once packed)
        self.seen: dict[str, int] | None = None     # the dict mode

    def _home(self, keys: np.ndarray) -> np.ndarray:
        shift = np.uint64(64 - (len(self.slots).bit_length() - 1))
        return ((keys.view(np.uint64) * self._MUL) >> shift).astype(np.int64)

    def reserve(self, n: int) -> None:
        """Room for n keys, the table at most half full (probes stay short). The file's estimated rows are reserved
        at its first packed keys: a table grown step by step costs a third more CPU on a large file."""
        if 2 * n <= len(self.slots) or self.seen is not None:
            return
        held = self.slots >= 0
        old_keys, old_lines, kind = self.slots[held], self.lines[held], self.lines.dtype
        size = len(self.slots)
        while 2 * n > size:
            size *= 2
        del held
        self.slots = self.lines = None  # the old table freed before the new one is made (peak memory)
        self.slots, self.lines = np.full(size, -1, dtype=np.int64), np.zeros(size, dtype=kind)
        self.count = 0
        for at in range(0, len(old_keys), 1 << 20):  # in slices: the probes' temporaries stay small
            self._place(old_keys[at:at + (1 << 20)], old_lines[at:at + (1 << 20)])

    def _place(self, keys: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """Distinct `keys` looked up, those not in the table added with their line: per key, the line recorded
        before, or -1 where it is new."""
        self.reserve(self.count + len(keys))
        if len(lines) and lines.max() > np.iinfo(self.lines.dtype).max:
            self.lines = self.lines.astype(np.int64)
        before = np.full(len(keys), -1, dtype=np.int64)
        todo = np.arange(len(keys))
        slot = self._home(keys)
        mask = len(self.slots) - 1
        while len(todo):
            k = keys[todo]
            held = self.slots[slot]
            found = held == k
            before[todo[found]] = self.lines[slot[found]]
            free = held == -1
            # keys that found the same free slot all write it: the one whose key stays there has it, the others
            # move on like any key that met another key
            self.slots[slot[free]] = k[free]
            won = free & (self.slots[slot] == k)
            self.lines[slot[won]] = lines[todo[won]]
            self.count += int(won.sum())
            on = ~found & ~won
            todo, slot = todo[on], (slot[on] + 1) & mask
        return before

    def _pack(self, cols: list[pa.Array]) -> np.ndarray | None:
        widths, key, room = [], None, 1
        for arr in cols:
            if arr.null_count or arr.type != pa.string():
                return None
            lengths = _byte_lengths(arr)
            w = int(lengths[0])
            room *= 10 ** (w - 1) * 12
            if w == 0 or (lengths != w).any() or room >= 2 ** 63:
                return None
            m = _byte_matrix(arr, np.ones(len(arr), dtype=bool), w)
            last = self._LAST_CODE[m[:, -1]]
            if not _all_digits(m[:, :-1]).all() or (last < 0).any():
                return None
            v = _weighted(m[:, :-1], 10 ** np.arange(w - 2, -1, -1, dtype=np.int64)) * 12 + last
            widths.append(w)
            key = v if key is None else key * (10 ** (w - 1) * 12) + v
        if self.widths is not None and widths != self.widths:
            return None
        self.widths = widths
        return key

    def _text(self, k: int) -> str:
        """A packed key back to its columns' text, joined as the dict mode joins them."""
        parts = []
        for w in reversed(self.widths):
            k, v = divmod(k, 10 ** (w - 1) * 12)
            parts.append((str(v // 12).zfill(w - 1) if w > 1 else "") + self.LAST[v % 12])
        return "\x1f".join(reversed(parts))

    def _to_dict(self) -> None:
        held = self.slots >= 0
        self.seen = {self._text(k): ln for k, ln in zip(self.slots[held].tolist(), self.lines[held].tolist())}
        self.slots = self.lines = np.empty(0, dtype=np.int64)

    def duplicates(self, cols: list[pa.Array], lines: np.ndarray) -> list[tuple[int, int]]:
        """(row, line of the first occurrence) for every row whose key was seen before; records the others."""
        if not len(lines):
            return []
        key = self._pack(cols) if self.seen is None else None
        if key is None:
            if self.seen is None:
                self._to_dict()
            joined = cols[0] if len(cols) == 1 else pc.binary_join_element_wise(*cols, "\x1f")
            sd = self.seen.setdefault
            lns = lines.tolist()
            firsts = [sd(k, ln) for k, ln in zip(joined.to_pylist(), lns)]
            return [(r, f) for r, (f, ln) in enumerate(zip(firsts, lns)) if f != ln]
        if self.expected:
            self.reserve(self.expected)
            self.expected = 0
        order = np.argsort(key, kind="stable")
        ks, ls = key[order], lines[order]
        first = np.ones(len(ks), dtype=bool)
        first[1:] = ks[1:] != ks[:-1]
        group = np.cumsum(first) - 1                # each sorted row's key among the chunk's distinct keys
        first_line = ls[first][group]
        before = self._place(ks[first], ls[first])[group]
        seen = before >= 0
        first_line[seen] = before[seen]
        dup = seen | ~first
        return sorted(zip(order[dup].tolist(), first_line[dup].tolist()))


class _Chunk:
    """One chunk of the file: its bytes, the control characters in it, its lines and where they are in the file."""

    def __init__(self, chunk: bytes, line_base: int, is_last: bool, no_newline: bool):
        self.chunk = chunk
        self.b = np.frombuffer(chunk, dtype=np.uint8)
        self.ctl = np.flatnonzero(self.b < 32)          # newlines and any other control character, in one pass
        self.kinds = self.b[self.ctl]
        self.ends = self.ctl[self.kinds == 10]
        self.starts = np.concatenate(([0], self.ends[:-1] + 1))
        self.n_lines = len(self.starts)
        self.first_line = line_base + 1
        self.last_idx = self.n_lines - 1 if is_last and no_newline else -1

    def raw(self, i: int) -> bytes:
        start, end = self.starts[i], self.ends[i]
        return self.chunk[start:end - 1 if end > start and self.chunk[end - 1] == 13 else end]


def _control_chars(spec: Spec, ch: _Chunk, bad: np.ndarray, res: FileResult) -> None:
    """1. Control characters (a CR directly before the newline is a line end, TAB is allowed)."""
    b = ch.b
    odd = ch.ctl[(ch.kinds != 10) & (ch.kinds != 9)]
    if len(odd):
        odd = odd[~((b[odd] == 13) & (b[np.minimum(odd + 1, len(b) - 1)] == 10))]
    if not len(odd):
        return
    where = np.searchsorted(ch.ends, odd)
    for i in np.unique(where):
        pos = int(odd[where == i][0]) - int(ch.starts[i])
        line = ch.raw(int(i))
        name, at = _column_name(spec, _field_at(spec, line, pos))
        v = int(b[ch.starts[i] + pos])
        bad[i] = True
        res.findings.append(Finding(
            ch.first_line + int(i), name, "control_char",
            f"{at} 含控制字符 {_CONTROL_NAMES.get(v, 'C0')} (0x{v:02X}, 行内字节位置 {pos + 1}); "
            f"请删除该字符后重新导出", line))


def _utf8_in_gbk(spec: Spec, ch: _Chunk, bad: np.ndarray, res: FileResult, delim_b: bytes) -> None:
    """2. UTF-8 text inside a GBK file: fields that are valid UTF-8 and not plausible GBK."""
    if len(ch.b) <= 3:
        return
    wide = _wide_starts(ch.b)
    if not len(wide):
        return
    for i in np.unique(np.searchsorted(ch.ends, wide)):
        if bad[i]:
            continue
        line = ch.raw(int(i))
        found = utf8_fields(line, delim_b, spec.encoding)
        if found:
            bad[i] = True
            res.findings.append(_utf8_finding(spec, ch.first_line + int(i), line, found))


def _decoded(spec: Spec, ch: _Chunk, bad: np.ndarray, res: FileResult, gbk: bool, delim_b: bytes,
             exact: bool) -> bytes:
    """3. The chunk as UTF-8 (LF line ends); on failure the lines that are not in the encoding are reported and
    left empty."""
    chunk = ch.chunk
    utf8 = None if exact else double_byte_to_utf8(chunk, spec.encoding)  # None: the codec decides
    if utf8 is None:
        try:
            text = chunk.decode(spec.encoding)
        except UnicodeDecodeError:
            parts = []
            for i in range(ch.n_lines):
                line = chunk[ch.starts[i]:ch.ends[i]]
                try:
                    parts.append(line.decode(spec.encoding))
                except UnicodeDecodeError as e:
                    parts.append("")
                    if bad[i]:
                        continue
                    bad[i] = True
                    found = utf8_fields(ch.raw(i), delim_b, spec.encoding) if gbk else []
                    res.findings.append(_utf8_finding(spec, ch.first_line + i, ch.raw(i), found) if found
                                        else _decode_finding(spec, ch.first_line + i, ch.raw(i), e))
            text = "\n".join(parts) + "\n"
        utf8 = text.encode("utf-8")
    if b"\r" in utf8:  # as in the text: in UTF-8 no multi-byte character holds a CR or LF byte
        utf8 = utf8.replace(b"\r\n", b"\n")
    return utf8


def _column_counts(spec: Spec, ch: _Chunk, utf8: bytes, bounds: tuple, bad: np.ndarray, res: FileResult,
                   read, exact: bool):
    """4. A header on line 1 of the file; 5. the column count, from the delimiters per line (in UTF-8 a delimiter
    byte is always a delimiter). Returns the parsed table when the fast path read the chunk whole, else None."""
    u_starts, u_ends = bounds
    delim, n_cols = spec.delimiter, len(spec.columns)
    if ch.first_line == 1 and ch.n_lines and not bad[0]:
        head = utf8[u_starts[0]:u_ends[0]].decode("utf-8").split(delim)
        if is_header(spec, head):
            bad[0] = True
            res.findings.append(Finding(1, None, "header_line",
                                        f"首行为表头({delim.join(head)[:80]}); 接口文件不含表头, 该行未加载", ch.raw(0)))
    table = None
    if not exact and not bad.all() and not ((u_ends == u_starts) & ~bad).any():
        # Fast path: the parser (no quotes, no escapes, lines without CR) refuses a line with another
        # number of fields than the spec's columns, so a chunk it reads whole has no column_count finding.
        # (It reads an empty line as a row of empty fields: a chunk with one takes the counting path.)
        try:
            table = read(_without_lines(utf8, u_starts, u_ends, bad))
        except pa.ArrowInvalid:
            table = None
    if table is None:
        dpos = np.flatnonzero(np.frombuffer(utf8, dtype=np.uint8) == ord(delim))
        fields = np.searchsorted(dpos, u_ends) - np.searchsorted(dpos, u_starts) + 1
        bad_count = (fields != n_cols) & ~bad
        for i in np.flatnonzero(bad_count):
            i = int(i)
            cut = "; 该行为文件最后一行且无换行符, 文件疑似被截断" if i == ch.last_idx and fields[i] < n_cols else ""
            res.findings.append(Finding(ch.first_line + i, None, "column_count",
                                        f"字段个数 {fields[i]}, 应为 {n_cols}{cut}", ch.raw(i)))
        bad |= bad_count
    return table


def _column_rules(spec: Spec, checkers: list, table, ch: _Chunk, good_lines: np.ndarray, line_nos: np.ndarray,
                  res: FileResult) -> tuple[np.ndarray, list, bool]:
    """6. Column rules, all rows of the chunk at once: (rows rejected, the columns to load, any value rewritten)."""
    reject = np.zeros(len(good_lines), dtype=bool)
    columns = []
    rewritten = False
    pending: list[tuple[np.ndarray, int, np.ndarray]] = []
    for j, chk in enumerate(checkers):
        parsed = table.column(j).combine_chunks()
        err, arr = chk.check(parsed)
        rewritten |= arr is not parsed  # a default filled in or a value rounded
        columns.append(arr)
        hit = np.flatnonzero(err)
        if len(hit):
            pending.append((hit, j, err[hit]))
            reject |= (err > 0) & (err <= _N_REJECT)
    for hit, j, codes in pending:
        col = spec.columns[j]
        for r, code in zip(hit, codes):
            rule = _RULE[int(code)]
            value = table.column(j)[int(r)].as_py()
            res.findings.append(Finding(int(line_nos[r]), col.name, rule, _message(col, rule, value),
                                        ch.raw(int(good_lines[r]))))
    return reject, columns, rewritten


def _range_rules(spec: Spec, ranges: list, table, columns: list, reject: np.ndarray, ch: _Chunk,
                 good_lines: np.ndarray, line_nos: np.ndarray, res: FileResult) -> None:
    """7. Ranges, on the rows still good."""
    names = spec.column_names
    by_name = dict(zip(names, columns))
    for _j, rc in ranges:  # in column order: a row out of range in one column is not judged further
        rows, bounds = rc.violations(by_name, ~reject)
        for r, bd in zip(rows, bounds):
            row = {n: table.column(k)[int(r)].as_py() for k, n in enumerate(names) if n in rc.names}
            res.findings.append(Finding(int(line_nos[r]), rc.col.name, "out_of_range",
                                        rc.message(row[rc.col.name], bd, row), ch.raw(int(good_lines[r])),
                                        severity=rc.severity))
            if rc.severity == "reject":
                reject[r] = True


def _cut_last_line(spec: Spec, table, columns: list, reject: np.ndarray, ch: _Chunk, good_lines: np.ndarray,
                   line_nos: np.ndarray, res: FileResult, is_last: bool, last_min: int | None) -> int | None:
    """8. A last line without newline, cut inside its last field: shorter than on every other line. Returns the
    shortest last field on the good lines so far."""
    if ch.last_idx >= 0 and good_lines[-1] == ch.last_idx and not reject[-1]:
        lens = _np(pc.utf8_length(columns[-1]))
        others = lens[:-1][~reject[:-1] & (lens[:-1] > 0)]  # an empty optional field says nothing
        shortest = min([x for x in (last_min, int(others.min()) if len(others) else None) if x is not None],
                       default=None)
        if shortest is not None and 0 < lens[-1] < shortest:
            col = spec.columns[-1]
            reject[-1] = True
            res.findings.append(Finding(
                int(line_nos[-1]), col.name, "truncated_line",
                f"最后一行无换行符, 其 {col.label}({col.name}) {table.column(len(spec.columns) - 1)[-1].as_py()!r} 长度 "
                f"{lens[-1]} 短于本文件其他各行(最短 {shortest}), 疑似传输中断被截断", ch.raw(int(good_lines[-1]))))
    elif not is_last:
        lens = _np(pc.utf8_length(columns[-1]))[~reject]
        lens = lens[lens > 0]
        if len(lens):
            last_min = int(lens.min()) if last_min is None else min(last_min, int(lens.min()))
    return last_min


def _duplicate_keys(spec: Spec, keyset: _KeySet, pk_set: list[int], columns: list, reject: np.ndarray, ch: _Chunk,
                    good_lines: np.ndarray, line_nos: np.ndarray, res: FileResult) -> None:
    """9. Duplicate keys among rows that are otherwise fine; the first occurrence wins."""
    pk_idx = [spec.column_names.index(k) for k in spec.primary_key]
    ok = np.flatnonzero(~reject)
    for r, first in keyset.duplicates([columns[i].take(pa.array(ok)) for i in pk_set], line_nos[ok]):
        row = ok[r]
        reject[row] = True
        key = "/".join(str(columns[i][int(row)].as_py()) for i in pk_idx)
        res.findings.append(Finding(int(line_nos[row]), ",".join(spec.primary_key), "duplicate_key",
                                    f"主键 {key} 与第 {first} 行重复", ch.raw(int(good_lines[row]))))


def _copy_text(spec: Spec, ch: _Chunk, utf8: bytes, u_ends: np.ndarray, columns: list, reject: np.ndarray,
               good_lines: np.ndarray, line_nos: np.ndarray, extra_columns: tuple[str, ...], fast: bool,
               sink: Callable[[bytes], None]) -> int:
    """10. COPY text for the good rows: line number and extras appended to each line. Returns the rows kept."""
    delim = spec.delimiter
    n_keep = int((~reject).sum())
    if n_keep and fast and utf8.find(b"\\") < 0:
        # Fast path: no value was rewritten and nothing needs escaping, so a good row's COPY text is its
        # line as decoded. The chunk is viewed as one string per line (without copying it) whose value i
        # is "\n" + line i (line 0 without the newline): joined with the line numbers and extras and
        # written as one buffer, they are the lines with their columns appended.
        keep_idx = good_lines[~reject]
        bounds = np.empty(ch.n_lines + 1, dtype=np.int32)
        bounds[0], bounds[1:] = 0, u_ends
        lines = pa.StringArray.from_buffers(ch.n_lines, pa.py_buffer(bounds), pa.py_buffer(utf8))
        if n_keep < ch.n_lines:
            lines = lines.take(pa.array(keep_idx))
        extras = [pa.scalar(v) for v in extra_columns]
        joined = pc.binary_join_element_wise(lines, pa.array(line_nos[~reject]).cast(pa.string()), *extras, delim)
        offsets = _offsets(joined)
        sink(memoryview(joined.buffers()[2])[offsets[0] + (keep_idx[0] != 0): offsets[-1]])
        sink(b"\n")
    elif n_keep:  # assembled column-wise: fields (escaped, with defaults and rounding), line number, extras
        keep = pa.array(~reject)
        cols = [c.filter(keep) for c in columns]
        for k, c in enumerate(cols):
            if spec.columns[k].type == "string" and pc.any(pc.match_substring(c, "\\")).as_py():
                cols[k] = pc.replace_substring(c, "\\", "\\\\")
        line_col = pa.array(line_nos[~reject]).cast(pa.string())
        joined = pc.binary_join_element_wise(*cols, line_col, delim)
        suffix = pa.scalar("".join(delim + v for v in extra_columns))
        joined = pc.binary_join_element_wise(joined, suffix, pa.scalar("\n"), "")
        offsets = _offsets(joined)
        sink(memoryview(joined.buffers()[2])[offsets[0]:offsets[-1]])
    return n_keep


def validate_stream(spec: Spec, data_month: str, stream: BinaryIO, sink: Callable[[bytes], None],
                    extra_columns: tuple[str, ...] = (), exact: bool = False) -> FileResult:
    """Validate every line; good rows go to `sink` as UTF-8 COPY text (delimiter = the file's, '' =
    NULL), each line followed by its line number and `extra_columns`. `exact=True` takes the reference
    paths only (regular expressions per column, COPY text assembled column by column): the same findings
    and the same COPY text, slower; the tests compare the two."""
    names = spec.column_names
    delim = spec.delimiter
    delim_b = delim.encode()
    gbk = spec.encoding.lower() in ("gbk", "gb2312", "gb18030")
    checkers = [_ColumnCheck(c, data_month, exact) for c in spec.columns]
    ranges = [(names.index(c.name), _RangeCheck(c, spec, data_month)) for c in spec.columns if c.range]
    pk_idx = [names.index(k) for k in spec.primary_key]
    # one thread: the second core is the server's (its COPY runs beside this), and threads cost more CPU in all
    read_opts = pacsv.ReadOptions(column_names=names, block_size=CHUNK_BYTES * 2, use_threads=False)
    parse_opts = pacsv.ParseOptions(delimiter=delim, quote_char=False, double_quote=False, escape_char=False,
                                    newlines_in_values=False, ignore_empty_lines=False)
    convert_opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                                        quoted_strings_can_be_null=False, check_utf8=False)

    def read(data: bytes):
        return pacsv.read_csv(pa.py_buffer(data), read_options=read_opts, parse_options=parse_opts,
                              convert_options=convert_opts)
    keyset = _KeySet()
    # data_month is the file's month on every row still good (rule data_month): not needed in the key set
    pk_set = [i for i in pk_idx if names[i] != "data_month"] or pk_idx
    res = FileResult()
    line_base = 0
    last_min = None  # shortest last field on the good lines so far (for a cut last line)
    size = _stream_bytes(stream)
    for chunk, is_last, no_newline in _chunks(stream):
        ch = _Chunk(chunk, line_base, is_last, no_newline)
        if line_base == 0 and size:
            keyset.expected = int(size / len(chunk) * ch.n_lines)  # the file's rows, estimated from its first chunk
        line_base += ch.n_lines
        res.rows_read += ch.n_lines
        bad = np.zeros(ch.n_lines, dtype=bool)
        _control_chars(spec, ch, bad, res)
        if gbk:
            _utf8_in_gbk(spec, ch, bad, res, delim_b)
        utf8 = _decoded(spec, ch, bad, res, gbk, delim_b, exact)
        u_starts, u_ends = _line_bounds(utf8)
        table = _column_counts(spec, ch, utf8, (u_starts, u_ends), bad, res, read, exact)
        if ch.last_idx >= 0:
            res.findings.append(Finding(ch.first_line + ch.last_idx, None, "no_final_newline",
                                        "文件末尾缺少换行符; 最后一行按完整记录处理", ch.raw(ch.last_idx)))
        good_lines = np.flatnonzero(~bad)
        if not len(good_lines):
            continue
        if table is None:
            table = read(_without_lines(utf8, u_starts, u_ends, bad))
        if table.num_rows != len(good_lines):
            raise RuntimeError(f"{spec.interface}: parser saw {table.num_rows} rows, expected {len(good_lines)}")
        line_nos = good_lines + ch.first_line
        reject, columns, rewritten = _column_rules(spec, checkers, table, ch, good_lines, line_nos, res)
        if ranges:
            _range_rules(spec, ranges, table, columns, reject, ch, good_lines, line_nos, res)
        last_min = _cut_last_line(spec, table, columns, reject, ch, good_lines, line_nos, res, is_last, last_min)
        _duplicate_keys(spec, keyset, pk_set, columns, reject, ch, good_lines, line_nos, res)
        res.rows_loaded += _copy_text(spec, ch, utf8, u_ends, columns, reject, good_lines, line_nos, extra_columns,
                                      not exact and not rewritten, sink)
    res.findings.sort(key=lambda f: (f.line_no, f.column or ""))
    return res
