"""Validate one interface file against its spec, streaming, line by line.

Yields nothing to the caller per row; instead `validate_file` writes good rows as COPY text to a
sink and returns the findings. Every rejected row keeps its original bytes and names the file,
line, column and rule. Rules (see interfaces/README.md):

  encoding, column_count, not_null, type, length, precision, date_range, impossible_date,
  data_month, id_number_check, credit_code_check, duplicate_key   → the row is rejected
  unknown_code                                                    → kept, reported (dbt maps it
                                                                    to the 未知 member)
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import BinaryIO, Callable

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

_INT = re.compile(r"-?\d+\Z")
_DEC = re.compile(r"-?(\d+)(?:\.(\d+))?\Z")
_DATE = re.compile(r"\d{8}\Z")
_MONTH = re.compile(r"\d{6}\Z")


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


class ColumnError(Exception):
    def __init__(self, rule: str, message: str):
        self.rule, self.message = rule, message


def _copy_escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\r" in value or "\n" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return value


def _column_parser(col: Column, data_month: str) -> Callable[[str], tuple[str | None, str | None]]:
    """A function: raw field → (COPY text value or None for NULL, warning rule or None). Raises ColumnError."""
    min_date = dt.date.fromisoformat(col.min_date)
    codes = code_table(col.code_table) if col.code_table else None
    month_iso = f"{data_month[:4]}-{data_month[4:]}-01"

    def parse(raw: str):
        if raw == "":
            if col.default is not None:
                raw = col.default
            elif col.nullable:
                return None, None
            else:
                raise ColumnError("not_null", f"{col.label}({col.name}) 不能为空")
        warn = None
        if col.type == "string":
            if col.length and len(raw) > col.length:
                raise ColumnError("length", f"{col.label} 长度 {len(raw)} 超过 {col.length}")
            if col.check == "id_number" and not checks.id_number_ok(raw):
                raise ColumnError("id_number_check", f"{col.label} 校验位错误")
            if col.check == "credit_code" and not checks.credit_code_ok(raw):
                raise ColumnError("credit_code_check", f"{col.label} 校验位错误")
            value = _copy_escape(raw)
        elif col.type == "integer":
            if not _INT.match(raw):
                raise ColumnError("type", f"{col.label} 应为整数: {raw!r}")
            if col.length and len(raw.lstrip("-")) > col.length:
                raise ColumnError("length", f"{col.label} 超过 {col.length} 位")
            value = raw
        elif col.type == "decimal":
            m = _DEC.match(raw)
            if not m:
                raise ColumnError("type", f"{col.label} 应为数值: {raw!r}")
            whole, frac = m.group(1), m.group(2) or ""
            if len(frac) > (col.scale or 0):
                if not col.round_excess:
                    raise ColumnError("precision", f"{col.label} 小数位 {len(frac)} 超过 {col.scale}")
                try:
                    raw = str(Decimal(raw).quantize(col.quantum, rounding=ROUND_HALF_UP))
                except InvalidOperation:
                    raise ColumnError("type", f"{col.label} 应为数值: {raw!r}") from None
                whole = raw.lstrip("-").split(".")[0]
                warn = "rounded"
            if len(whole.lstrip("0")) > (col.precision or 18) - (col.scale or 0):
                raise ColumnError("precision", f"{col.label} 整数位超过 {(col.precision or 18) - (col.scale or 0)}")
            value = raw
        elif col.type == "date":
            if not _DATE.match(raw):
                raise ColumnError("type", f"{col.label} 应为日期 YYYYMMDD: {raw!r}")
            try:
                d = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
            except ValueError:
                raise ColumnError("impossible_date", f"{col.label} 不存在的日期 {raw}") from None
            if d < min_date:
                raise ColumnError("date_range", f"{col.label} {raw} 早于 {col.min_date}")
            value = d.isoformat()
        else:  # month
            if not _MONTH.match(raw) or not 1 <= int(raw[4:]) <= 12:
                raise ColumnError("type", f"{col.label} 应为年月 YYYYMM: {raw!r}")
            if col.name == "data_month" and raw != data_month:
                raise ColumnError("data_month", f"{col.label} {raw} 与文件月份 {data_month} 不符")
            value = month_iso if raw == data_month else f"{raw[:4]}-{raw[4:]}-01"
        if codes is not None and raw not in codes:
            warn = "unknown_code"
        return value, warn

    return parse


def structure_problem(spec: Spec, first_lines: list[bytes]) -> str | None:
    """If most sampled lines have another column count, the layout changed upstream: say how."""
    if not first_lines:
        return None
    counts = []
    for line in first_lines:
        try:
            counts.append(len(line.decode(spec.encoding).split(spec.delimiter)))
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


def validate_stream(spec: Spec, data_month: str, stream: BinaryIO, sink: Callable[[str], None],
                    extra_columns: tuple[str, ...] = ()) -> FileResult:
    """Validate every line; good rows go to `sink` as COPY text lines (spec columns + extra values)."""
    parsers = [_column_parser(c, data_month) for c in spec.columns]
    names = spec.column_names
    pk_idx = [names.index(k) for k in spec.primary_key]
    seen: dict[tuple, int] = {}
    n_cols = len(spec.columns)
    res = FileResult()
    delim = spec.delimiter
    suffix = "".join("\t" + v for v in extra_columns)
    for line_no, raw_line in enumerate(stream, 1):
        res.rows_read += 1
        body = raw_line.rstrip(b"\r\n")
        try:
            text = body.decode(spec.encoding)
        except UnicodeDecodeError as e:
            res.findings.append(Finding(line_no, None, "encoding",
                                        f"不是合法的 {spec.encoding.upper()} 编码(字节位置 {e.start})", body))
            continue
        fields = text.split(delim)
        if len(fields) != n_cols:
            res.findings.append(Finding(line_no, None, "column_count",
                                        f"字段个数 {len(fields)}, 应为 {n_cols}", body))
            continue
        out = []
        errors = []
        for parse, col, raw in zip(parsers, spec.columns, fields):
            try:
                value, warn = parse(raw)
            except ColumnError as e:
                errors.append(Finding(line_no, col.name, e.rule, e.message, body))
                continue
            if warn:
                res.findings.append(Finding(line_no, col.name, warn,
                                            f"{col.label} 值 {raw!r}" + (f" 不在代码表 {col.code_table}"
                                                                        if warn == "unknown_code" else " 已舍入"),
                                            body))
            out.append("\\N" if value is None else value)
        if not errors:
            key = tuple(out[i] for i in pk_idx)
            first = seen.get(key)
            if first is not None:
                errors.append(Finding(line_no, ",".join(spec.primary_key), "duplicate_key",
                                      f"主键 {'/'.join(key)} 与第 {first} 行重复", body))
            else:
                seen[key] = line_no
        if errors:
            res.findings.extend(errors)
            continue
        sink("\t".join(out) + f"\t{line_no}" + suffix + "\n")
        res.rows_loaded += 1
    return res
