"""Aggregate awareness against the real warehouse: answers from agg_pension_month equal answers from the fact.

The fact, its pre-aggregate and the dimension tables are copied from ``marts`` into a scratch schema, so
concurrent dbt builds cannot make the two sides differ mid-test. Every query of the matrix is run twice
through ``cube.app.aggregate_result`` (summary, cells, paging and calculated members included): once
forced onto the fact, once forced onto the aggregate, and the results must be identical (not approximately
equal). The planner's own choice (``auto``) is checked too: in particular a multi-month distinct count of
contributors never reads the aggregate. Fails — never skips — when the marts are not built.
"""
from __future__ import annotations

import uuid

import pytest

from tests.integration.cube_oracle import marts_copy

pytestmark = pytest.mark.integration

SCHEMA = f"cube_aggtest_{uuid.uuid4().hex[:8]}"
AGG = "agg_pension_month"
TABLES = ("dim_month", "dim_district", "dim_gender", "dim_age_band", "dim_industry_section",
          "fct_pension_person_month", AGG)
ALL = ("insured_total,insured_active,insured_retired,contributors,contribution_income,pension_paid,"
       "contribution_base,dependency_ratio,average_pension,average_contribution_base")
NO_DISTINCT = ("insured_total,insured_active,insured_retired,contribution_income,pension_paid,contribution_base,"
               "dependency_ratio,average_pension")


@pytest.fixture(scope="module")
def db(server_url):
    with marts_copy(SCHEMA, TABLES, "dbt build --select fct_pension_person_month+") as conn:
        if conn.execute(f"select count(*) from {SCHEMA}.{AGG}").fetchone()[0] == 0:
            pytest.fail("marts.agg_pension_month is empty: load a month and build the marts first")
        yield conn


@pytest.fixture(scope="module")
def months(db):
    return [r[0] for r in db.execute(f"select distinct month_key from {SCHEMA}.fct_pension_person_month order by 1")]


@pytest.fixture(scope="module")
def cube():
    from cube.model import load_cubes

    return load_cubes()["pension"]


def ctx_for(role: str = "admin"):
    from cube import access
    from cube.app import Ctx

    return Ctx(access.roles()[role], SCHEMA, False)


def result(cube, use: str, role: str = "admin", **params) -> dict:
    from cube.app import aggregate_result

    out = aggregate_result(ctx_for(role), cube, use=use, **params)
    return out


A, F = f"aggregate:{AGG}", "fact"


def matrix(months: list[int]) -> list[tuple[dict, dict]]:
    """(request, where the planner should read: summary, cells)."""
    last, first = months[-1], months[0]
    r6 = months[-6] if len(months) >= 6 else first
    year = last // 100
    return [
        ({"measures": NO_DISTINCT}, {"summary": A}),
        ({"cut": f"month:{last}", "measures": ALL}, {"summary": A}),
        ({"cut": f"month:{last}", "drilldown": "district", "measures": ALL}, {"summary": A, "cells": A}),
        ({"cut": f"month:{r6}-{last}", "drilldown": "district", "measures": NO_DISTINCT}, {"summary": A, "cells": A}),
        ({"cut": f"month:{r6}-{last}", "measures": NO_DISTINCT}, {"summary": A}),
        ({"drilldown": "month", "measures": NO_DISTINCT}, {"summary": A, "cells": A}),
        ({"drilldown": "month", "measures": ALL}, {"summary": F, "cells": A}),
        ({"cut": f"year:{year}", "drilldown": "month", "measures": ALL}, {"summary": F, "cells": A}),
        ({"drilldown": "time@year", "measures": NO_DISTINCT}, {"summary": A, "cells": A}),
        ({"drilldown": "time@year", "measures": ALL}, {"summary": F, "cells": F}),
        ({"drilldown": "time@quarter", "measures": "insured_total,pension_paid,dependency_ratio"},
         {"summary": A, "cells": A}),
        ({"cut": f"time@quarter:{year}Q1-{year}Q4", "drilldown": "time@quarter",
          "measures": "insured_retired,pension_paid"}, {"summary": A, "cells": A}),
        ({"cut": f"month:{last}", "drilldown": "gender|age_band", "measures": ALL}, {"summary": A, "cells": A}),
        ({"cut": f"!person_type:retired|month:{last}-{last}", "drilldown": "gender|age_band", "measures": ALL},
         {"summary": A, "cells": A}),
        ({"cut": f"!month:{last}", "drilldown": "district", "measures": ALL}, {"summary": F, "cells": F}),
        ({"cut": "district:110105;110108", "drilldown": "time@quarter", "measures": NO_DISTINCT},
         {"summary": A, "cells": A}),
        ({"cut": "!district:110105", "drilldown": "industry_section|person_type", "measures": NO_DISTINCT},
         {"summary": A, "cells": A}),
        ({"cut": f"month:{last}", "drilldown": "industry_section|person_type", "measures": ALL},
         {"summary": A, "cells": A}),
        ({"cut": "industry_section:C", "drilldown": "industry", "measures": NO_DISTINCT}, {"summary": A, "cells": A}),
        ({"cut": f"month:{last}", "drilldown": "industry@industry_division|person_type", "measures": ALL},
         {"summary": A, "cells": A}),
        ({"drilldown": "district|month", "measures": "pension_paid,insured_total,contributors",
          "order": "pension_paid:desc", "pagesize": 7, "page": 1}, {"summary": F, "cells": A}),
        ({"drilldown": "month|district", "measures": "pension_paid,pension_paid.mom,pension_paid.yoy,"
          "contribution_income.ytd,insured_total,insured_total.mom,insured_total.share", "pagesize": 10000},
         {"summary": A, "cells": A}),
        ({"cut": f"month:{last}", "drilldown": "district",
          "measures": "contributors,contributors.share,contributors.mom,average_contribution_base"},
         {"summary": A, "cells": A}),
        ({"cut": "gender:1|age_band:A3;A4", "drilldown": "month", "measures": "insured_active,contributors"},
         {"summary": F, "cells": A}),
    ]


def _strip(res: dict) -> dict:
    return {k: v for k, v in res.items() if k != "query_path"}


def test_matrix_aggregate_equals_fact(db, cube, months):
    """Each request: forced onto the fact, as planned (auto), and forced onto the aggregate when the plan
    reads it everywhere — identical answers; the plan is the expected one."""
    for params, want in matrix(months):
        from_fact = result(cube, "fact", **params)
        assert set(from_fact["query_path"].values()) == {F}, params
        assert from_fact["summary"], params
        planned = result(cube, "auto", **params)
        assert {k: v for k, v in planned["query_path"].items() if k in ("summary", "cells")} == want, params
        assert _strip(planned) == _strip(from_fact), params
        if set(want.values()) == {A}:
            forced = result(cube, "aggregate", **params)
            assert set(forced["query_path"].values()) == {A}, params
            assert _strip(forced) == _strip(from_fact), params


def test_district_role_aggregate_equals_fact(db, cube, months):
    for params in ({"drilldown": "month", "measures": NO_DISTINCT},
                   {"cut": f"month:{months[-1]}", "drilldown": "gender", "measures": ALL}):
        a = result(cube, "aggregate", role="district_110105", **params)
        f = result(cube, "fact", role="district_110105", **params)
        assert _strip(a) == _strip(f) and a["restricted_to_district"] == "110105"


def test_planner_uses_the_aggregate_when_exact(db, cube, months):
    last = months[-1]
    res = result(cube, "auto", cut=f"month:{last}", drilldown="district", measures=ALL)
    assert res["query_path"] == {"summary": f"aggregate:{AGG}", "cells": f"aggregate:{AGG}"}
    res = result(cube, "auto", drilldown="district|month", measures=NO_DISTINCT)
    assert res["query_path"] == {"summary": f"aggregate:{AGG}", "cells": f"aggregate:{AGG}"}
    # drilled to months: each cell is one month, so contributors may come from the aggregate, the
    # multi-month summary may not
    res = result(cube, "auto", drilldown="month", measures="contributors")
    assert res["query_path"] == {"summary": "fact", "cells": f"aggregate:{AGG}"}
    assert res == {**result(cube, "fact", drilldown="month", measures="contributors"), "query_path": res["query_path"]}


def test_multi_month_distinct_contributors_reads_the_fact(db, cube, months):
    """contributors over several months counts persons once: the aggregate's per-month sums would double count."""
    if len(months) < 2:
        pytest.fail("needs at least two months of data")
    cut = f"month:{months[0]}-{months[-1]}"
    res = result(cube, "auto", cut=cut, drilldown="district", measures="contributors,pension_paid")
    assert res["query_path"] == {"summary": "fact", "cells": "fact"}
    res = result(cube, "auto", drilldown="time@year", measures="average_contribution_base")   # ratio over contributors
    assert set(res["query_path"].values()) == {"fact"}
    from cube.query import QueryError

    with pytest.raises(QueryError, match="distinct count"):
        result(cube, "aggregate", cut=cut, measures="contributors")
    # and the reason the aggregate is refused is real: summing the months double counts
    n_distinct = db.execute(f"select count(distinct person_id) from {SCHEMA}.fct_pension_person_month "
                            f"where is_contributor = 1").fetchone()[0]
    n_summed = db.execute(f"select sum(contributors) from {SCHEMA}.{AGG}").fetchone()[0]
    assert n_summed > n_distinct
    assert result(cube, "auto", measures="contributors")["summary"]["contributors"] == n_distinct


def test_missing_aggregate_falls_back_to_the_fact(db, cube, months):
    from cube.app import available_aggregates

    assert available_aggregates(ctx_for(), cube) == frozenset({AGG})
    other = f"{SCHEMA}_noagg"
    db.execute(f"create schema {other}")
    try:
        for t in TABLES[:-1]:
            db.execute(f"create table {other}.{t} as table {SCHEMA}.{t}")
        from cube import access
        from cube.app import Ctx, aggregate_result

        res = aggregate_result(Ctx(access.roles()["admin"], other, False), cube, drilldown="district",
                               measures=NO_DISTINCT)
        assert set(res["query_path"].values()) == {"fact"}
        assert _strip(res) == _strip(result(cube, "aggregate", drilldown="district", measures=NO_DISTINCT))
    finally:
        db.execute(f"drop schema {other} cascade")


def test_divisions_add_up_to_their_section(db, cube, months):
    """Industry section > division: drilled from each section to its divisions, the additive measures and the
    stocks add up exactly to the section, from the fact and from the aggregate alike; and the sections equal
    direct SQL over the fact's own section column (a division never rolls up to another section)."""
    from foundation.spec import code_table

    in_section = {k: r["section_code"] for k, r in code_table("industry_division").items()}
    first, last = months[0], months[-1]
    period = f"month:{first}-{last}"
    names = ("contribution_income", "contribution_base", "pension_paid", "insured_total", "insured_active")
    measures = ",".join(names)
    direct = {r[0]: r[1:] for r in db.execute(
        f"select industry_section_code, sum(contribution_income), sum(contribution_base), sum(pension_paid) "
        f"from {SCHEMA}.fct_pension_person_month where month_key between %s and %s group by 1", (first, last))}
    for use in ("fact", "aggregate"):
        top = result(cube, use, cut=period, drilldown="industry", measures=measures)
        sections = {c["industry.industry_section"]: c for c in top["cells"]}
        assert "industry.industry_division" not in top["cells"][0]
        assert set(sections) == set(direct) and "C" in sections and None in sections   # None: retirees
        assert sections[None]["industry.industry_section.label"] == "无（离退休人员）"
        assert sections["C"]["industry.industry_section.label"] == "制造业"
        for code, cell in sections.items():
            assert tuple(cell[m] for m in names[:3]) == direct[code], (use, code)
            if code is None:
                continue
            down = result(cube, use, cut=f"{period}|industry_section:{code}", drilldown="industry", measures=measures)
            assert down["query_path"]["cells"] == (F if use == "fact" else A)
            divisions = down["cells"]
            assert divisions and all(c["industry.industry_section"] == code for c in divisions)
            # each division is one of the section's (code table) or the section's unknown division
            assert all(in_section.get(c["industry.industry_division"], c["industry.industry_division"][:-2]) == code
                       for c in divisions), (use, code)
            for m in names:
                assert sum(c[m] for c in divisions) == cell[m] == down["summary"][m], (use, code, m)
        manufacturing = result(cube, use, cut=f"{period}|industry_section:C", drilldown="industry",
                               measures="insured_active")["cells"]
        assert len(manufacturing) >= 10
        assert all(c["industry.industry_division.label"] for c in manufacturing)

