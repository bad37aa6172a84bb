"""Distinct persons over months with a gap: the month-pattern counts (agg_*_pattern, type pattern_counts) answer
every gap query shape exactly as the month masks (agg_*_year, type year_bitmask) and the fact do.

The cubes' fact, aggregates and dimension tables are copied from ``marts`` into a scratch schema. Each request
runs as planned (the pattern counts must be the path), then with the pattern table renamed away (the planner
falls back to the month masks: that path must be taken), and forced onto the fact; the three results must be
equal. Fails — never skips — when the marts are not built.
"""
from __future__ import annotations

import uuid

import pytest

from tests.integration.cube_oracle import cube_tables, marts_copy

pytestmark = pytest.mark.integration

SCHEMA = f"cube_pattest_{uuid.uuid4().hex[:8]}"


def pattern_cubes():
    from cube.model import load_cubes

    return {n: c for n, c in load_cubes().items() if any(d.type == "pattern_counts" for d in c.distinct_aggregates)}


@pytest.fixture(scope="module")
def db(server_url):
    with marts_copy(SCHEMA, cube_tables(pattern_cubes().values())) as conn:
        yield conn


def _rename(db, tables: list[str], suffix_from: str, suffix_to: str) -> None:
    """Hide / restore tables; the result cache (which remembers the tables present) is emptied."""
    from cube.cache import CACHE

    for t in tables:
        db.execute(f"alter table {SCHEMA}.{t}{suffix_from} rename to {t}{suffix_to}")
    CACHE.clear()


def result(cube, use: str, role: str = "admin", **params) -> dict:
    from cube import access
    from cube.app import Ctx, aggregate_result

    return aggregate_result(Ctx(access.roles()[role], SCHEMA, False), cube, use=use, **params)


def _strip(res: dict) -> dict:
    return {k: v for k, v in res.items() if k != "query_path"}


def _distinct_paths(res: dict) -> set[str]:
    """The distinct structures read (the summary always counts over several months here)."""
    assert "distinct:" in res["query_path"]["summary"], res["query_path"]
    return {p.split("distinct:")[-1] for p in res["query_path"].values() if "distinct:" in p}


def shapes(cube, months: list[int]) -> list[dict]:
    """Every gap query shape: within a year, across years, an inverted month, with single-member cuts of
    district / gender / a third dimension, drilled by them and by time (year, quarter, month)."""
    first, last = months[0], months[-1]
    year = last // 100
    in_year = [m for m in months if m // 100 == year]
    a, b = (in_year[0], in_year[-1]) if len(in_year) >= 3 else (months[-3], last)
    third = next(d for d in cube.dimensions if d not in ("time", "district", "gender"))
    fullest = max(sorted({m // 100 for m in months}), key=lambda y: sum(m // 100 == y for m in months))
    in_fullest = [m for m in months if m // 100 == fullest]
    but_one = (f"year:{fullest}|!month:{in_fullest[1]}" if len(in_fullest) >= 3
               else f"month:{first}-{last}|!month:{months[1]}")
    return [
        {"cut": f"month:{a};{b}", "drilldown": "district"},                      # a gap (within a year if data)
        {"cut": f"month:{first};{last}"},                                         # across years
        {"cut": f"month:{first};{last}", "drilldown": f"gender|{third}"},
        {"cut": f"month:{first};{last}|district:110105", "drilldown": "gender"},
        {"cut": f"month:{first};{last}|gender:1", "drilldown": "district|time@year"},
        {"cut": f"month:{first};{last}", "drilldown": "time@quarter"},
        {"cut": f"month:{first};{last}", "drilldown": "month|district"},
        {"cut": but_one, "drilldown": "gender"},                                   # a year (or range) but one month
        {"cut": f"!month:{months[-2]}", "drilldown": third},                        # all history but one month
        {"cut": f"!month:{months[1]}|district:110108|gender:2", "drilldown": "time@year"},
        *([{"cut": f"month:{first};{last}|person_type:active", "drilldown": "age_band"}]
          if cube.name == "pension" else []),
    ]


@pytest.mark.parametrize("name", sorted(pattern_cubes()))
def test_pattern_counts_equal_month_masks_and_fact(db, name):
    cube = pattern_cubes()[name]
    pat = next(d for d in cube.distinct_aggregates if d.type == "pattern_counts")
    masks = next(d for d in cube.distinct_aggregates if d.type == "year_bitmask")
    months = [r[0] for r in db.execute(f"select distinct month_key from {SCHEMA}.{cube.fact} order by 1")]
    assert len(months) >= 3 and len({m // 100 for m in months}) >= 2, months
    other = next(n for n, m in cube.measures.items() if m.additivity == "additive")
    requests = [dict(p, measures=f"{pat.measure},{other}") for p in shapes(cube, months)]
    # contiguous cells would be answered by the spell counts: hidden, so every request reads the patterns, then
    # (patterns hidden too) the month masks
    hidden = [t for d in cube.distinct_aggregates if d.type == "spell_counts" for t in (d.table, d.mover_table) if t]
    _rename(db, hidden, "", "_away")
    try:
        by_pattern = _answers(cube, requests, pat.table)
        assert all(r["summary"][pat.measure] for r in by_pattern), "nothing counted: the comparison proves nothing"
        _rename(db, [pat.table], "", "_away")
        try:
            by_masks = _answers(cube, requests, masks.table)
        finally:
            _rename(db, [pat.table], "_away", "")
    finally:
        _rename(db, hidden, "_away", "")
    assert [_strip(r) for r in by_pattern] == [_strip(r) for r in by_masks]


def _answers(cube, requests: list[dict], table: str) -> list[dict]:
    by_pattern = []
    for params in requests:
        res = result(cube, "auto", **params)
        assert _distinct_paths(res) == {table}, (params, res["query_path"])   # cells of one month: month agg
        assert _strip(res) == _strip(result(cube, "fact", **params)), params
        by_pattern.append(res)
    return by_pattern


def test_district_sets_fall_back_to_masks_with_reason(db):
    """Two districts together: a mover would be counted twice by a sum of patterns, so the month masks answer,
    and the plan says why the pattern counts were passed over."""
    from cube import plan as planning
    from cube.query import build_request

    cube = pattern_cubes()["pension"]
    months = [r[0] for r in db.execute(f"select distinct month_key from {SCHEMA}.{cube.fact} order by 1")]
    params = {"cut": f"month:{months[0]};{months[-1]}|district:110105;110108", "measures": "contributors"}
    res = result(cube, "auto", **params)
    assert res["query_path"]["summary"].endswith("distinct:agg_pension_contributor_year")
    assert _strip(res) == _strip(result(cube, "fact", **params))
    _, q = build_request(cube, SCHEMA, cut=params["cut"], measures=params["measures"],
                         available=frozenset(cube.aggregate_tables))
    why = planning.plan(q).why
    assert "agg_pension_contributor_pattern" in why and "not a single member" in why, why
