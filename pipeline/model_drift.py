"""Incremental models whose table in the database no longer has the columns the code declares.

A new version of the code may add or drop a column of a month-incremental model (e.g. a source_batch_id). The
project keeps dbt's `on_schema_change: fail` for them (a silent 'ignore' would drop the new column, 'append' cannot
fill it for the months already built), so the next incremental build fails on that model — often with a database
error from its pre-hook ("column … does not exist") that does not say what to do. After a failed build this module
compares the failed incremental models' declared columns (their YAML, which the docs test keeps exact) with their
tables and names the fix: rebuild those models whole (`make build REBUILD=<model>`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drift:
    model: str            # the model's name (what REBUILD= takes)
    relation: str         # schema.table
    missing: tuple[str, ...]   # declared by the code, not in the table
    extra: tuple[str, ...]     # in the table, no longer declared


def compare(model: str, relation: str, declared: set[str], existing: set[str]) -> Drift | None:
    """The drift of one model; None when the columns agree (or nothing is declared, or the table does not exist)."""
    if not declared or not existing:
        return None
    declared, existing = {c.lower() for c in declared}, {c.lower() for c in existing}
    if declared == existing:
        return None
    return Drift(model, relation, tuple(sorted(declared - existing)), tuple(sorted(existing - declared)))


def incremental_models(manifest: dict, names: set[str] | None = None) -> dict[str, tuple[str, str, set[str]]]:
    """{name: (schema, table, declared columns)} of the project's incremental models that fail on a schema change
    (optionally only those in `names`)."""
    out = {}
    for node in manifest.get("nodes", {}).values():
        cfg = node.get("config") or {}
        if (node.get("resource_type") != "model" or cfg.get("materialized") != "incremental"
                or cfg.get("on_schema_change", "ignore") != "fail" or (names is not None and node["name"] not in names)):
            continue
        out[node["name"]] = (node["schema"], node.get("alias") or node["name"], set(node.get("columns") or {}))
    return out


def find(conn, manifest: dict | None, names: set[str] | None = None) -> list[Drift]:
    """The drifted incremental models among `names` (all when None) of the dbt `manifest` (none without one), read
    from the database of `conn`."""
    if not manifest:
        return []
    models = incremental_models(manifest, names)
    if not models:
        return []
    existing: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where (table_schema, table_name) in (select unnest(%s::text[]), unnest(%s::text[]))",
            ([s for s, _, _ in models.values()], [t for _, t, _ in models.values()])):
        existing.setdefault((schema, table), set()).add(column)
    drifts = (compare(name, f"{schema}.{table}", declared, existing.get((schema, table), set()))
              for name, (schema, table, declared) in sorted(models.items()))
    return [d for d in drifts if d]


def message(drifts: list[Drift], month: str | None = None) -> str:
    """What the operator reads: each model, its table's differing columns, and the command that rebuilds them."""
    lines = [f"[build] {len(drifts)} 个增量模型的表结构与当前代码不一致 (代码升级改变了它们的列; 增量构建不能补齐已建月份):"]
    for d in drifts:
        parts = ([f"表中缺少 {', '.join(d.missing)}"] if d.missing else []) + \
                ([f"代码已不再声明 {', '.join(d.extra)}"] if d.extra else [])
        lines.append(f"  - {d.model} ({d.relation}): {'; '.join(parts)}")
    rebuild = ",".join(d.model for d in drifts)
    lines.append(f"  整表重建这些模型 (其余模型仍为增量): make build{f' MONTH={month}' if month else ''} "
                 f"REBUILD={rebuild}  (python -m cli build --skip-load --rebuild {rebuild})")
    return "\n".join(lines)
