"""Inject validation errors into generated rows, and record each one in a ground-truth manifest.

Each chosen row gets exactly one error, made so that the loader's first (and only) finding for that
row is the intended rule on the intended column. The manifest uses the loader's conventions: line
numbers are 1-based positions in the final file, `column` is None for whole-line rules
(encoding, column_count) and the comma-joined primary key for duplicate_key.
"""
from __future__ import annotations

import numpy as np

from foundation.checkdigits import CREDIT_CHARS, ID_CHECK
from foundation.spec import Column, Spec, code_table

RULES = ("column_count", "type", "length", "precision", "not_null", "date_range", "impossible_date",
         "unknown_code", "id_number_check", "credit_code_check", "duplicate_key", "encoding")
BAD_BYTES = b"\xff\xfe"  # never valid in GBK or UTF-8


def _eligible(spec: Spec, rule: str) -> list[Column]:
    cols = spec.columns
    if rule == "type":
        return [c for c in cols if c.type in ("integer", "decimal", "date", "month")]
    if rule == "length":
        return [c for c in cols if c.type == "string" and c.length]
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
    if rule == "encoding":
        return [c for c in cols if c.type == "string"]
    return list(cols[:1])  # column_count, duplicate_key: whole-row rules


def _unknown_code(col: Column) -> str:
    known = code_table(col.code_table)
    width = col.length or max(len(k) for k in known)
    for ch in "9Z8Y7X":
        cand = (col.code_table == "district" and "1101" + ch * (width - 4)) or ch * width
        if cand not in known:
            return cand
    raise ValueError(f"no free code for {col.code_table}")


def _mutate(col: Column, value: str, rule: str) -> str | None:
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
    if rule == "id_number_check":
        return value[:17] + next(c for c in ID_CHECK if c != value[17:].upper())
    if rule == "credit_code_check":
        return value[:17] + next(c for c in CREDIT_CHARS if c != value[17:])
    raise ValueError(rule)


BLOCK_ROWS = 200_000  # rows rendered at a time: bounds memory, keeps the joins in C


def render_with_errors(spec: Spec, columns: dict[str, np.ndarray], rates: dict[str, float],
                       rng: np.random.Generator, file_name: str) -> tuple[bytes, int, list[dict]]:
    """Encode the rows, injecting errors at `rates` (fraction of rows per rule). Returns bytes,
    line count and the manifest entries."""
    names = spec.column_names
    n = len(columns[names[0]])
    # Choose distinct rows per rule (a row carries at most one error).
    plan: dict[int, tuple[str, Column]] = {}
    free = rng.permutation(n)
    pos = 0
    for rule in RULES:
        rate = rates.get(rule, 0.0)
        eligible = _eligible(spec, rule)
        if rate <= 0 or not eligible:
            continue
        k = int(rng.binomial(n, rate))
        for i in free[pos:pos + k]:
            plan[int(i)] = (rule, eligible[int(rng.integers(len(eligible)))])
        pos += k
    targets = sorted(plan)
    delim, enc = spec.delimiter, spec.encoding
    pieces: list[bytes] = []
    manifest: list[dict] = []
    line_no = 0
    t = 0
    for b0 in range(0, n, BLOCK_ROWS):
        b1 = min(n, b0 + BLOCK_ROWS)
        cols = [np.asarray(columns[c][b0:b1]).tolist() for c in names]
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
            if rule == "encoding":
                flush()
                parts = [f.encode(enc) for f in fields]
                parts[j] = parts[j][:1] + BAD_BYTES + parts[j][1:]
                pieces.append(delim.encode(enc).join(parts) + b"\n")
                manifest.append({"file": file_name, "line": line_no, "column": None, "rule": rule})
                continue
            bad = _mutate(col, fields[j], rule)
            if bad is None:
                seg.append(lines[k])
                continue
            fields[j] = bad
            seg.append(delim.join(fields))
            manifest.append({"file": file_name, "line": line_no, "column": col.name, "rule": rule})
        seg.extend(lines[prev:])
        line_no += len(lines) - prev
        flush()
    return b"".join(pieces), line_no, manifest
