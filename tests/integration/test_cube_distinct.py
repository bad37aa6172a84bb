"""Distinct contributors over periods against the real warehouse: the answers the planner takes from
agg_pension_contributor_period / _spell / _year are identical to the fact's and to direct SQL.

The pension fact, its aggregates and the dimension tables are copied from ``marts`` into a scratch schema, so
concurrent builds cannot make the sides differ mid-test. Each request of the matrix runs forced onto the fact, as
planned (auto) and forced onto the aggregates; the results must be equal, not approximately, and the plan the
expected one. Fails — never skips — when the marts are not built (dbt build -s +agg_pension_contributor_period).
"""
from __future__ import annotations

import uuid

import pytest

from tests.integration.cube_oracle import cube_tables, marts_copy

pytestmark = pytest.mark.integration

SCHEMA = f"cube_distest_{uuid.uuid4().hex[:8]}"
AGG, PERIOD, YEAR = "agg_pension_month", "agg_pension_contributor_period", "agg_pension_contributor_year"
SPELL = "agg_pension_contributor_spell"
FACT = f"{SCHEMA}.fct_pension_person_month"
A, P, Y = f"aggregate:{AGG}", f"aggregate:{AGG} + distinct:{PERIOD}", f"aggregate:{AGG} + distinct:{YEAR}"
S = f"aggregate:{AGG} + distinct:{SPELL}"
PT = f"aggregate:{AGG} + distinct:agg_pension_contributor_pattern"


@pytest.fixture(scope="module")
def cube():
    from cube.model import load_cubes

    return load_cubes()["pension"]


def distinct_cubes():
    from cube.model import load_cubes

    return {n: c for n, c in load_cubes().items() if c.distinct_aggregates}


@pytest.fixture(scope="module")
def db(server_url, cube):
    with marts_copy(SCHEMA, cube_tables(distinct_cubes().values()), f"dbt build -s +{PERIOD}") as conn:
        yield conn


@pytest.fixture(scope="module")
def months(db):
    months = [r[0] for r in db.execute(f"select distinct month_key from {FACT} order by 1")]
    if len({m // 100 for m in months}) < 2:
        pytest.fail("needs months of at least two calendar years (e.g. synth --start 202311 --months 15)")
    return months


def result(cube, use: str, role: str = "admin", **params) -> dict:
    from cube import access
    from cube.app import Ctx, aggregate_result

    return aggregate_result(Ctx(access.roles()[role], SCHEMA, False), cube, use=use, **params)


def _strip(res: dict) -> dict:
    return {k: v for k, v in res.items() if k != "query_path"}


def matrix(months: list[int]) -> list[tuple[dict, dict]]:
    first, last = months[0], months[-1]
    full = [y for y in sorted({m // 100 for m in months}) if all(y * 100 + k in months for k in range(1, 13))]
    year = full[0] if full else last // 100
    # a range touching parts of two periods (two quarters of a full year, else the last two data months): no stored
    # period count answers it, the month masks do
    mid = f"{year}05-{year}09" if full else f"{months[-2]}-{months[-1]}"
    second = first + 1 if first % 100 < 12 else first
    return [
        ({"cut": f"year:{year}", "drilldown": "district", "measures": "contributors,pension_paid,insured_total"},
         {"summary": P, "cells": P}),
        ({"drilldown": "time@year", "measures": "contributors,average_contribution_base"}, {"summary": S, "cells": P}),
        ({"cut": f"year:{year}", "drilldown": "time@quarter|person_type", "measures": "contributors"},
         {"summary": P, "cells": P}),
        ({"cut": f"quarter:{year}Q2|gender:1", "drilldown": "age_band|industry", "measures": "contributors"},
         {"summary": P, "cells": P}),
        ({"cut": f"year:{year}|!district:110105", "drilldown": "district", "measures": "contributors"},
         {"summary": S, "cells": P}),
        ({"cut": f"month:{mid}", "drilldown": "district", "measures": "contributors,contribution_base"},
         {"summary": S, "cells": S}),
        ({"cut": f"month:{first}-{last}", "drilldown": "gender", "measures": "contributors"},
         {"summary": S, "cells": S}),
        # persons who change age band or retire have spells in several cells: merged where the cells do not tell
        ({"cut": f"month:{first}-{last}", "drilldown": "age_band|person_type", "measures": "contributors"},
         {"summary": S, "cells": S}),
        ({"cut": f"month:{second}-{last}", "drilldown": "time@quarter|district", "measures": "contributors"},
         {"summary": S, "cells": S}),
        # the range selects every month with data: each year's data whole, so the stored years (data months)
        ({"cut": f"month:{first}-{last}", "drilldown": "time@year", "measures": "contributors"},
         {"summary": S, "cells": P}),
        ({"cut": f"month:{second}-{last}", "drilldown": "time@year",
          "measures": "contributors"}, {"summary": S, "cells": S}),      # the first year's data not whole
        ({"cut": f"month:{year}01-{year}12", "drilldown": "district", "measures": "contributors"},
         {"summary": P, "cells": P}),
        # a set on an undrilled dimension: steady counts + the movers' own spells (a mover between the two
        # districts counts once)
        ({"cut": f"month:{first}-{last}|district:110105;110108", "drilldown": "time@quarter",
          "measures": "contributors"}, {"summary": S, "cells": S}),
        ({"cut": f"month:{second}-{last}|!age_band:A2", "drilldown": "district|time@year",
          "measures": "contributors"}, {"summary": S, "cells": S}),
        # months with a gap: the month patterns (one 64-month window), with a set of districts the month masks
        ({"cut": f"!month:{months[-2]}|person_type:active", "measures": "contributors"}, {"summary": PT}),
        ({"cut": f"month:{first};{last}", "drilldown": "district", "measures": "contributors"},
         {"summary": PT, "cells": PT} if len(months) > 2 else {"summary": S, "cells": S}),     # two months: no gap
        ({"cut": f"month:{first};{last}|district:110105;110108", "drilldown": "gender", "measures": "contributors"},
         {"summary": Y, "cells": Y} if len(months) > 2 else {"summary": S, "cells": S}),
        ({"measures": "contributors,insured_total,pension_paid"}, {"summary": S}),
        ({"drilldown": "month", "measures": "contributors,contributors.share"}, {"summary": S, "cells": A}),
        ({"drilldown": "time@year|district", "measures": "contributors,contributors.yoy", "pagesize": 10000},
         {"summary": S, "cells": P}),
    ]


def test_matrix_distinct_aggregates_equal_fact(db, cube, months):
    for params, want in matrix(months):
        from_fact = result(cube, "fact", **params)
        assert set(from_fact["query_path"].values()) == {"fact"}, params
        planned = result(cube, "auto", **params)
        assert {k: v for k, v in planned["query_path"].items() if k in ("summary", "cells")} == want, params
        assert _strip(planned) == _strip(from_fact), params
        forced = result(cube, "aggregate", **params)
        assert _strip(forced) == _strip(from_fact), params


def test_contributors_equal_direct_sql(db, cube, months):
    """A month range across two years by district and a calendar year by quarter, against count(distinct)."""
    first, last = months[0], months[-1]
    res = result(cube, "auto", cut=f"month:{first}-{last}", drilldown="district", measures="contributors")
    assert res["query_path"]["cells"] == S
    want = dict(db.execute(f"select district_code, count(distinct person_id) from {FACT} where is_contributor = 1 "
                           f"and month_key between %s and %s group by 1", (first, last)).fetchall())
    assert {c["district"]: c["contributors"] for c in res["cells"] if c["contributors"]} == want
    assert res["summary"]["contributors"] == db.execute(
        f"select count(distinct person_id) from {FACT} where is_contributor = 1").fetchone()[0]
    # over several months a person counts once: fewer than the monthly counts added up
    assert res["summary"]["contributors"] < db.execute(f"select sum(is_contributor) from {FACT}").fetchone()[0]
    year = last // 100
    res = result(cube, "auto", cut=f"year:{year}", drilldown="time@quarter", measures="contributors")
    assert res["query_path"] == {"summary": P, "cells": P}
    want = dict(db.execute(f"select extract(year from month_start) || 'Q' || extract(quarter from month_start), "
                           f"count(distinct person_id) from {FACT} where is_contributor = 1 and month_key / 100 = %s "
                           f"group by 1", (year,)).fetchall())
    assert {c["time.quarter"]: c["contributors"] for c in res["cells"]} == want


def test_district_role_distinct_counts(db, cube, months):
    """A district role's distinct counts come from the structures too, cut to its district, and equal the fact's."""
    params = {"cut": f"month:{months[0]}-{months[-1]}", "drilldown": "gender", "measures": "contributors"}
    planned = result(cube, "auto", role="district_110105", **params)
    assert planned["query_path"]["cells"] == S and planned["restricted_to_district"] == "110105"
    assert _strip(planned) == _strip(result(cube, "fact", role="district_110105", **params))
    year = result(cube, "auto", role="district_110105", cut=f"year:{months[-1] // 100}", measures="contributors")
    assert year["query_path"]["summary"] == P
    assert year["summary"]["contributors"] == db.execute(
        f"select count(distinct person_id) from {FACT} where is_contributor = 1 and district_code = '110105' "
        f"and month_key / 100 = %s", (months[-1] // 100,)).fetchone()[0]


def test_structures_tie_out(db):
    """The year masks hold exactly the fact's contributing person-months; the period table's Beijing rows are
    the distinct counts of each year."""
    n_fact = db.execute(f"select count(*) from {FACT} where is_contributor = 1").fetchone()[0]
    n_mask = db.execute(f"select count(*) from (select distinct year, person_id, m from {SCHEMA}.{YEAR} "
                        f"cross join generate_series(1, 12) m where (months >> (m - 1)) & 1 = 1) x").fetchone()[0]
    assert n_fact == n_mask
    stored = dict(db.execute(f"select year, contributors from {SCHEMA}.{PERIOD} where period_grain = 'year' "
                             f"and rolled_up = 31").fetchall())
    direct = dict(db.execute(f"select extract(year from month_start)::int, count(distinct person_id) from {FACT} "
                             f"where is_contributor = 1 group by 1").fetchall())
    assert stored == direct


@pytest.mark.parametrize("name", sorted(distinct_cubes()))
def test_every_distinct_cube_equals_fact(db, name):
    """Each cube with distinct aggregates (pension contributors, unemployment contributors, medical-account
    spenders): the planner's answers equal the fact's for year, quarter, month-range and whole-history requests,
    and the stored counts / month masks are really used."""
    cube = distinct_cubes()[name]
    measure = cube.distinct_aggregates[0].measure
    other = next(n for n, m in cube.measures.items() if m.additivity == "additive")
    months = [r[0] for r in db.execute(f"select distinct month_key from {SCHEMA}.{cube.fact} order by 1")]
    year, last = months[-1] // 100, months[-1]
    first6 = months[-6] if len(months) >= 6 else months[0]
    dims = [d for d in cube.dimensions if d not in ("time", "district")]
    used = set()
    for params in (
        {"cut": f"year:{year - 1}", "drilldown": "district"},
        {"drilldown": "time@year"},
        {"cut": f"year:{year - 1}", "drilldown": f"time@quarter|{dims[0]}"},
        {"cut": f"month:{first6}-{last}", "drilldown": "district"},
        {"cut": f"month:{first6}-{last}|district:110105;110108", "drilldown": dims[-1]},
        {"cut": f"month:{months[0]};{last}", "drilldown": "district"},          # a gap: the month patterns
        {"cut": f"month:{months[0]};{last}|district:110105;110108", "drilldown": dims[0]},   # and a set: the masks
        {"drilldown": "month"},
        {},
    ):
        params["measures"] = f"{measure},{other},{measure}.share"
        from_fact = result(cube, "fact", **params)
        planned = result(cube, "auto", **params)
        assert _strip(planned) == _strip(from_fact), (name, params)
        used |= {p.split("distinct:")[-1] for p in planned["query_path"].values() if "distinct:" in p}
    assert used == {d.table for d in cube.distinct_aggregates}, (name, used)
