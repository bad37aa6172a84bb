"""The indicator definitions (warehouse/seeds/indicators/indicator_definitions.csv): complete 口径 for every row, and
every place it names exists — the mart column (documented in the dbt YAML), the cube measure, the Superset metric —
so the reconciliation can never silently compare nothing; the dbt doc block is rendered from the same file."""
from __future__ import annotations

import yaml

from foundation import settings
from reconcile import calibers
from reconcile.core import _compare, _datasets, load_indicators

REQUIRED = ("indicator_code", "indicator_name", "subject", "unit", "definition", "period_basis", "attribution",
            "rounding", "mart", "mart_column")


def _mart_columns() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in (settings.WAREHOUSE_DBT / "models").rglob("*.yml"):
        for m in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            out[m["name"]] = {c["name"] for c in m.get("columns") or []}
    return out


def test_every_indicator_has_a_complete_caliber_and_a_unique_code():
    rows = load_indicators()
    assert len(rows) >= 50
    assert len({r["indicator_code"] for r in rows}) == len(rows)
    incomplete = [(r["indicator_code"], k) for r in rows for k in REQUIRED if not r[k].strip()]
    assert incomplete == []
    # Beijing = Σ districts incl. 999999 is part of every attribution
    assert all("110000" in r["attribution"] or "全市" in r["attribution"] for r in rows)


def test_every_place_an_indicator_is_published_exists():
    from cube.model import load_cubes

    cubes, marts, datasets = load_cubes(), _mart_columns(), _datasets()
    missing = []
    for r in load_indicators():
        if r["mart_column"] not in marts.get(r["mart"], set()):
            missing.append(f"{r['indicator_code']}: mart column {r['mart']}.{r['mart_column']} not documented")
        if r["cube"]:
            c = cubes.get(r["cube"])
            if c is None or c.resolve_measure(r["cube_measure"]) is None:
                missing.append(f"{r['indicator_code']}: cube measure {r['cube']}.{r['cube_measure']}")
        if r["superset_metric"]:
            if r["superset_metric"] not in datasets.get(r["superset_dataset"], {}).get("metrics", {}):
                missing.append(f"{r['indicator_code']}: metric {r['superset_dataset']}.{r['superset_metric']}")
    assert missing == []


def test_the_dbt_doc_block_is_rendered_from_the_definitions():
    assert calibers.DOC_FILE.read_text(encoding="utf-8") == calibers.render(), \
        "run `python -m reconcile.calibers` after editing indicator_definitions.csv"


def test_the_comparison_names_every_differing_cell_and_treats_missing_as_zero():
    from decimal import Decimal as D

    ind = {"indicator_code": "x.y", "indicator_name": "测试"}
    mart = {(202401, "110101"): D(5), (202401, "110102"): D(0), (202401, "110000"): D(5)}
    other = {(202401, "110101"): D(5), (202401, "110000"): D(6), (202402, "110101"): D(1)}
    diffs = _compare(ind, "cube", "cube c.m", mart, other, 0)
    assert [(d.month_key, d.district_code, d.mart_value, d.other_value, d.difference) for d in diffs] == [
        (202401, "110000", D(5), D(6), D(1)), (202402, "110101", None, D(1), D(1))]
    assert diffs[0].cell() == "202401 全市"
    # rounding to the mart's scale before comparing (a ratio stored with 4 decimals)
    assert _compare(ind, "superset", "s", {(1, "a"): D("0.1235")}, {(1, "a"): D("0.123456")}, 4) == []
