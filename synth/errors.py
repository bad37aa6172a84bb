"""Inject validation errors into generated rows, and record each one in a ground-truth manifest.

Each chosen row gets exactly one error, made so that the loader's first (and only) finding for that
row is the intended rule on the intended column. The manifest uses the loader's conventions: line
numbers are 1-based positions in the final file, `column` is None for whole-line rules
(column_count, header_line) and the comma-joined primary key for duplicate_key; encoding and control_char
name the column whose bytes are wrong.

Besides the column rules: control_char (a NUL, lone CR or ESC at the start of a text field), encoding
(invalid bytes, or the field's text in UTF-8 inside a GBK file — half each), header_line (the file starts
with a header of column names, a line of its own: every later line moves down one) and out_of_range
(a value outside the column's `range` with severity reject: −1 for amounts and counts, a date a year after
the data month, a date that makes the person ten years old, …).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foundation.checkdigits import CREDIT_CHARS, ID_CHECK
from foundation.spec import Column, Spec, code_table

RULES = ("column_count", "type", "length", "precision", "not_null", "date_range", "impossible_date",
         "unknown_code", "id_number_check", "credit_code_check", "duplicate_key", "encoding",
         "control_char", "header_line", "out_of_range")
BAD_BYTES = b"\xff\xfe"  # never valid in GBK or UTF-8
CONTROL = (b"\x00", b"\r", b"\x1b")


def _eligible(spec: Spec, rule: str) -> list[Column]:
    cols = spec.columns
    if rule == "type":
        return [c for c in cols if c.type in ("integer", "decimal", "date", "month")]
    if rule == "length":  # identifiers have their own length rules (id_number_length, credit_code_length)
        return [c for c in cols if c.type == "string" and c.length and not c.check]
    if rule == "precision":
        return [c for c in cols if c.type == "decimal" and not c.round_excess]
    if rule == "not_null":
        return [c for c in cols if not c.nullable and c.default is None]
    if rule in ("date_range", "impossible_date"):
        return [c for c in cols if c.type == "date"]
    if rule == "unknown_code":
        return [c for c in cols if c.code_table]
    if rule == "id_number_check":
        return [c for c in cols if c.check == "id_number"]
    if rule == "credit_code_check":
        return [c for c in cols if c.check == "credit_code"]
    if rule in ("encoding", "control_char"):
        return [c for c in cols if c.type == "string"]
    if rule == "out_of_range":
        return [c for c in cols if c.range and c.range.get("severity", "reject") == "reject"]
    return list(cols[:1])  # column_count, duplicate_key: whole-row rules


def _unknown_code(col: Column) -> str:
    known = code_table(col.code_table)
    width = col.length or max(len(k) for k in known)
    for ch in "9Z8Y7X":
        cand = (col.code_table == "district" and "1101" + ch * (width - 4)) or ch * width
        if cand not in known:
            return cand
    raise ValueError(f"no free code for {col.code_table}")


def _out_of_range(col: Column, value: str, row: dict[str, str]) -> str | None:
    r = col.range
    if col.type in ("integer", "decimal"):
        return "-1"  # every numeric range in the specs has a lower bound of 0 or more
    if col.type == "date" and r.get("birth"):
        birth = row.get(r["birth"], "")
        if len(birth) != 8 or r.get("min_age") is None:
            return None
        return f"{int(birth[:4]) + max(int(r['min_age']) - 6, 1):04d}0101"
    if col.type == "date" and r.get("max") == "data_month_end":
        month = row.get("data_month", "")
        return f"{int(month[:4]) + 1:04d}{month[4:6]}01" if len(month) == 6 else None
    return None


def _mutate(col: Column, value: str, rule: str, row: dict[str, str] | None = None) -> str | None:
    """The field value that breaks exactly `rule`; None when this value cannot carry it."""
    if rule == "type":
        return "X" + value[1:] if value else "X"
    if rule == "length":
        return (value + "长" * (col.length + 1))[: col.length + 1] if value else "长" * (col.length + 1)
    if rule == "precision":
        value = value or "0"  # an empty optional amount: start from a valid number
        return (value if "." in value else value + ".") + "0" * ((col.scale or 0) + 1 - len(value.partition(".")[2])) + "1"
    if rule == "not_null":
        return ""
    if rule == "date_range":
        return "17520101"
    if rule == "impossible_date":
        return "20230230"
    if rule == "unknown_code":
        return _unknown_code(col)
    if rule in ("id_number_check", "credit_code_check") and len(value) != 18:
        return None
    if rule == "out_of_range":
        return _out_of_range(col, value, row)
    if rule == "id_number_check":
        return value[:17] + next(c for c in ID_CHECK if c != value[17:].upper())
    if rule == "credit_code_check":
        return value[:17] + next(c for c in CREDIT_CHARS if c != value[17:])
    raise ValueError(rule)


BLOCK_ROWS = 50_000  # rows rendered at a time: bounds memory (the bytes do not depend on it), keeps the joins in C


def _raw_line(spec: Spec, fields: list[str], j: int, rule: str, rng: np.random.Generator) -> bytes:
    """A line whose field j carries a byte-level error: a control character, or (encoding) invalid bytes or
    the field's text in UTF-8 inside a GBK file, half each."""
    enc = spec.encoding
    parts = [f.encode(enc) for f in fields]
    if rule == "control_char":
        ctrl = CONTROL[int(rng.integers(len(CONTROL)))]
        if ctrl == b"\r" and j == len(parts) - 1 and not parts[j]:
            ctrl = b"\x00"  # a CR right before the newline would be a line end
        parts[j] = ctrl + parts[j]
    elif enc.lower() == "gbk" and rng.random() < 0.5:
        text = fields[j] if not fields[j].isascii() else "张" + fields[j][:1]
        parts[j] = text.encode("utf-8")  # the field exported as UTF-8 by another system
    else:
        parts[j] = parts[j][:1] + BAD_BYTES + parts[j][1:]
    return spec.delimiter.encode(enc).join(parts) + b"\n"


def render_with_errors(spec: Spec, columns: dict[str, np.ndarray], rates: dict[str, float],
                       rng: np.random.Generator, file_name: str) -> tuple[bytes, int, list[dict]]:
    """Encode the rows, injecting errors at `rates` (fraction of rows per rule). Returns bytes,
    line count and the manifest entries (the whole file in memory: see render_chunks to stream it)."""
    out = Rendered()
    data = b"".join(render_chunks(spec, columns, rates, rng, file_name, out))
    return data, out.lines, out.manifest


class Rendered:
    """What render_chunks reports once its chunks are consumed: line count and manifest entries."""

    def __init__(self) -> None:
        self.lines = 0
        self.manifest: list[dict] = []


def _block_strings(col: np.ndarray) -> list[str]:
    """One block of a column as Python strings (a bytes column, dtype S, holds UTF-8)."""
    col = np.asarray(col)
    if col.dtype.kind == "S":
        try:   # ASCII (numbers, codes, dates, amounts): one cast in C, the same text as decoding each value
            col = col.astype("U")
        except UnicodeDecodeError:
            col = np.char.decode(col, "utf-8")
    return col.tolist()


def render_chunks(spec: Spec, columns: dict[str, np.ndarray], rates: dict[str, float],
                  rng: np.random.Generator, file_name: str, out: Rendered) -> Iterator[bytes]:
    """The file's bytes in chunks of whole lines (about BLOCK_ROWS rows each), injecting errors at `rates` exactly as
    render_with_errors does: the random draws happen in the same order while the chunks are consumed, so writing
    them one after the other gives the same bytes with one block of rows in memory. `out` gets the line count and
    the manifest entries when the iterator is exhausted."""
    names = spec.column_names
    n = len(columns[names[0]])
    # Choose distinct rows per rule (a row carries at most one error).
    plan: dict[int, tuple[str, Column]] = {}
    free = rng.permutation(n)
    pos = 0
    for rule in RULES:
        rate = rates.get(rule, 0.0)
        eligible = _eligible(spec, rule)
        if rate <= 0 or not eligible or rule == "header_line":  # the header is a line of its own, below
            continue
        k = int(rng.binomial(n, rate))
        for i in free[pos:pos + k]:
            plan[int(i)] = (rule, eligible[int(rng.integers(len(eligible)))])
        pos += k
    targets = sorted(plan)
    delim, enc = spec.delimiter, spec.encoding
    pieces: list[bytes] = []
    manifest = out.manifest
    line_no = 0
    if rates.get("header_line", 0) > 0 and rng.random() < min(1.0, rates["header_line"] * 100):
        pieces.append(delim.join(names).encode(enc) + b"\n")  # a header row: a line of its own
        line_no = 1
        manifest.append({"file": file_name, "line": 1, "column": None, "rule": "header_line"})
    t = 0
    for b0 in range(0, n, BLOCK_ROWS):
        b1 = min(n, b0 + BLOCK_ROWS)
        cols = [_block_strings(columns[c][b0:b1]) for c in names]
        lines = list(map(delim.join, zip(*cols)))
        seg: list[str] = []
        prev = 0

        def flush() -> None:
            if seg:
                pieces.append(("\n".join(seg) + "\n").encode(enc))
                seg.clear()

        while t < len(targets) and targets[t] < b1:
            k = targets[t] - b0
            t += 1
            seg.extend(lines[prev:k])
            line_no += k - prev
            prev = k + 1
            rule, col = plan[k + b0]
            if rule == "duplicate_key":
                seg += [lines[k], lines[k]]
                line_no += 2
                manifest.append({"file": file_name, "line": line_no, "column": ",".join(spec.primary_key),
                                 "rule": rule})
                continue
            line_no += 1
            if rule == "column_count":
                seg.append(lines[k] + delim + "多余字段")
                manifest.append({"file": file_name, "line": line_no, "column": None, "rule": rule})
                continue
            fields = [c[k] for c in cols]
            j = names.index(col.name)
            if rule in ("encoding", "control_char"):
                flush()
                pieces.append(_raw_line(spec, fields, j, rule, rng))
                manifest.append({"file": file_name, "line": line_no, "column": col.name, "rule": rule})
                continue
            bad = _mutate(col, fields[j], rule, dict(zip(names, fields)))
            if bad is None:
                seg.append(lines[k])
                continue
            fields[j] = bad
            seg.append(delim.join(fields))
            manifest.append({"file": file_name, "line": line_no, "column": col.name, "rule": rule})
        seg.extend(lines[prev:])
        line_no += len(lines) - prev
        flush()
        del cols, lines
        yield b"".join(pieces)
        pieces.clear()
    if pieces:  # a header line and no rows
        yield b"".join(pieces)
    out.lines = line_no
