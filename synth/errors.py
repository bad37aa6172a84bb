"""Inject validation errors into generated rows, and record each one in a ground-truth manifest.

Each chosen row gets exactly one error, made so that the loader's first (and only) finding for that
row is the intended rule on the intended column. The manifest uses the loader's conventions: line
numbers are 1-based positions in the final file, `column` is None for whole-line rules
(encoding, column_count) and the comma-joined primary key for duplicate_key.
"""
from __future__ import annotations

import numpy as np

from loaders.checks import CREDIT_CHARS, ID_CHECK
from loaders.spec import Column, Spec, code_table

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


def _mutate(col: Column, value: str, rule: str) -> str:
    if rule == "type":
        return "X" + value[1:] if value else "X"
    if rule == "length":
        return (value + "长" * (col.length + 1))[: col.length + 1] if value else "长" * (col.length + 1)
    if rule == "precision":
        return (value if "." in value else value + ".") + "0" * ((col.scale or 0) + 1 - len(value.partition(".")[2])) + "1"
    if rule == "not_null":
        return ""
    if rule == "date_range":
        return "17520101"
    if rule == "impossible_date":
        return "20230230"
    if rule == "unknown_code":
        return _unknown_code(col)
    if rule == "id_number_check":
        return value[:17] + next(c for c in ID_CHECK if c != value[17:].upper())
    if rule == "credit_code_check":
        return value[:17] + next(c for c in CREDIT_CHARS if c != value[17:])
    raise ValueError(rule)


def render_with_errors(spec: Spec, columns: dict[str, np.ndarray], rates: dict[str, float],
                       rng: np.random.Generator, file_name: str) -> tuple[bytes, int, list[dict]]:
    """Encode the rows, injecting errors at `rates` (fraction of rows per rule). Returns bytes,
    line count and the manifest entries."""
    cols = [columns[c] for c in spec.column_names]
    n = len(cols[0])
    rows: list = list(zip(*cols))
    # Choose distinct rows per rule (a row carries at most one error).
    plan: dict[int, tuple[str, Column | None]] = {}
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
    names = spec.column_names
    delim = spec.delimiter
    out: list[bytes] = []
    manifest: list[dict] = []
    for i, row in enumerate(rows):
        line = delim.join(row).encode(spec.encoding)
        task = plan.get(i)
        if task is None:
            out.append(line)
            continue
        rule, col = task
        if rule == "duplicate_key":
            out.append(line)
            out.append(line)
            manifest.append({"file": file_name, "line": len(out), "column": ",".join(spec.primary_key),
                             "rule": rule})
            continue
        if rule == "column_count":
            out.append(line + (delim + "多余字段").encode(spec.encoding))
            manifest.append({"file": file_name, "line": len(out), "column": None, "rule": rule})
            continue
        fields = list(row)
        j = names.index(col.name)
        if rule == "encoding":
            parts = [f.encode(spec.encoding) for f in fields]
            parts[j] = parts[j][:1] + BAD_BYTES + parts[j][1:]
            out.append(delim.encode(spec.encoding).join(parts))
            manifest.append({"file": file_name, "line": len(out), "column": None, "rule": rule})
            continue
        fields[j] = _mutate(col, fields[j], rule)
        out.append(delim.join(fields).encode(spec.encoding))
        manifest.append({"file": file_name, "line": len(out), "column": col.name, "rule": rule})
    data = b"\n".join(out) + (b"\n" if out else b"")
    return data, len(out), manifest
