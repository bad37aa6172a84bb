"""Every generic test on a month-incremental dbt model declares which rows it reads, at the test.

`config: {where: __changed_rows__}` (rows rebuilt since the last passing build) or `__all_rows__` (every row);
warehouse/macros/test_scope.sql turns them into the subquery and stops the build on a test without either.
This is the same rule read from the YAML without a database, so a new test without a scope fails here first.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parents[2] / "warehouse" / "models"
SCOPES = {"__changed_rows__", "__all_rows__", "__changed_months__"}
INCREMENTAL = re.compile(r"materialized\s*=\s*['\"]incremental['\"]")


def incremental_models(root: Path) -> set[str]:
    return {p.stem for p in root.rglob("*.sql") if INCREMENTAL.search(p.read_text(encoding="utf-8"))}


def _tests(entry: dict):
    for t in entry.get("data_tests") or entry.get("tests") or []:
        if isinstance(t, str):
            yield t, {}
        else:
            (name, body), = t.items()
            yield name, body or {}


def unscoped_tests(root: Path) -> list[str]:
    """'file: model[.column]: test' for every generic test on an incremental model without a declared scope."""
    incremental = incremental_models(root)
    problems = []
    for path in sorted(root.rglob("_*__models.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in doc.get("models") or []:
            if model["name"] not in incremental:
                continue
            where = [(model["name"], n, b) for n, b in _tests(model)]
            for col in model.get("columns") or []:
                where += [(f"{model['name']}.{col['name']}", n, b) for n, b in _tests(col)]
            for at, name, body in where:
                scope = ((body.get("config") or {}).get("where") or "").strip()
                if scope not in SCOPES:
                    problems.append(f"{path.relative_to(root)}: {at}: {name} (where: {scope or 'none'})")
    return problems


def test_every_generic_test_on_an_incremental_model_declares_its_scope():
    assert incremental_models(MODELS), "no incremental model found: the rule would check nothing"
    assert unscoped_tests(MODELS) == []


def test_a_test_without_scope_is_reported(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "fct_x.sql").write_text("{{ config(materialized='incremental') }}\nselect 1", encoding="utf-8")
    (tmp_path / "m" / "dim_y.sql").write_text("select 1", encoding="utf-8")
    (tmp_path / "m" / "_m__models.yml").write_text(yaml.safe_dump({"version": 2, "models": [
        {"name": "fct_x", "data_tests": [{"unique_combination": {"arguments": {"columns": ["a"]},
                                                                 "config": {"where": "__changed_rows__"}}}],
         "columns": [{"name": "a", "data_tests": ["not_null",
                                                 {"relationships": {"config": {"where": "a > 1"}}},
                                                 {"accepted_values": {"config": {"where": "__all_rows__"}}}]}]},
        {"name": "dim_y", "columns": [{"name": "b", "data_tests": ["not_null"]}]},
    ]}), encoding="utf-8")
    assert unscoped_tests(tmp_path) == ["m/_m__models.yml: fct_x.a: not_null (where: none)",
                                        "m/_m__models.yml: fct_x.a: relationships (where: a > 1)"]
