"""The cube API against the real warehouse: its numbers equal direct SQL over the fact tables.

The tests copy the marts the cubes read into a scratch schema (``cube_test_<random>``) and point the
official release (CUBE_SCHEMA) at it, so they never depend on the lead's publish state nor on dbt
builds running concurrently; the review release (/review) reads ``marts``. Tokens go to a temporary
file (CUBE_TOKENS_FILE), the data version to a temporary stamp (CUBE_DATA_VERSION_FILE).
Fails — never skips — when the marts are not built.
"""
from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from foundation import settings
from tests.integration.cube_oracle import direct, marts_copy

pytestmark = pytest.mark.integration

SCHEMA = f"cube_test_{uuid.uuid4().hex[:8]}"
FACT = f"{SCHEMA}.fct_pension_person_month"
STOCKS = ("insured_active", "insured_retired", "insured_total")
FLOWS = ("contribution_income", "pension_paid", "contribution_base")
ALL = STOCKS + ("contributors",) + FLOWS + ("dependency_ratio", "average_pension")
DIMS = ("dim_month", "dim_district", "dim_gender", "dim_age_band", "dim_industry_section")


@pytest.fixture(scope="module")
def db(server_url, tmp_path_factory):
    from cube.model import load_cubes

    url = settings.warehouse_url()
    # the facts and their pre-aggregates (aggregate awareness: the API answers from them when exact)
    tables = list(DIMS) + sorted({c.fact for c in load_cubes().values()}) + sorted(
        {a.table for c in load_cubes().values() for a in c.aggregates})
    with marts_copy(SCHEMA, tables, f"dbt build, in {url.rsplit('@', 1)[-1]}") as conn:
        if conn.execute(f"select count(*) from {FACT}").fetchone()[0] == 0:
            pytest.fail("marts.fct_pension_person_month is empty: load a month and build the marts first")
        yield conn


@pytest.fixture(scope="module")
def env(db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cube")
    mp = pytest.MonkeyPatch()
    mp.setenv("CUBE_SCHEMA", SCHEMA)
    mp.setenv("CUBE_REVIEW_SCHEMA", "marts")
    mp.setenv("CUBE_TOKENS_FILE", str(tmp / "tokens.json"))
    mp.setenv("CUBE_DATA_VERSION_FILE", str(tmp / "data_version"))
    from cube import access

    access._token_index.cache_clear()
    yield tmp
    mp.undo()
    access._token_index.cache_clear()


def token(role: str) -> str:
    from cube import access

    return access.token_for(role)


@pytest.fixture(scope="module")
def anon(env):
    from cube.app import app

    return TestClient(app)


def client_for(role: str) -> TestClient:
    from cube.app import app

    return TestClient(app, headers={"Authorization": f"Bearer {token(role)}"})


@pytest.fixture(scope="module")
def client(env):
    return client_for("admin")


@pytest.fixture(scope="module")
def sample(db):
    """Months and districts present in the data, to build the query matrix from."""
    months = [r[0] for r in db.execute(f"select distinct month_key from {FACT} order by 1")]
    districts = [r[0] for r in db.execute(
        f"select district_code from {FACT} group by 1 order by count(*) desc limit 2")]
    last_year = months[-1] // 100
    return {"months": months, "districts": districts, "last": months[-1], "range": months[-6:],
            "year": last_year}


def expected(db, where: str = "true", params: tuple = (), group: str | None = None) -> dict:
    """Direct SQL: flows summed, stocks at the last month (with data) of the filtered range,
    contributors distinct over the range. ``group`` is a non-time fact column."""
    g = group or "'all'"
    rows = db.execute(f"""
        with f as (select * from {FACT} where {where}),
             l as (select max(month_start) as m from f)
        select {g} as g,
               count(*) filter (where person_type = 'active' and month_start = (select m from l)),
               count(*) filter (where person_type = 'retired' and month_start = (select m from l)),
               count(*) filter (where month_start = (select m from l) and person_type in ('active', 'retired')),
               count(distinct person_id) filter (where is_contributor = 1),
               coalesce(sum(contribution_income), 0), coalesce(sum(pension_paid), 0),
               coalesce(sum(contribution_base), 0), coalesce(sum(basic_pension_paid), 0)
        from f group by 1""", params).fetchall()
    out = {}
    for r in rows:
        # 参保人数 counts persons with a status row only; 人均养老金 = 基本养老金 ÷ 离退休人数 (the 口径 of
        # warehouse/seeds/indicators/indicator_definitions.csv)
        vals = dict(zip(("insured_active", "insured_retired", "insured_total", "contributors") + FLOWS
                        + ("basic_pension_paid",), r[1:]))
        vals["dependency_ratio"] = (round(Decimal(vals["insured_active"]) / vals["insured_retired"], 4)
                                    if vals["insured_retired"] else None)
        vals["average_pension"] = (round(vals["basic_pension_paid"] / vals["insured_retired"], 2)
                                   if vals["insured_retired"] else None)
        out[r[0]] = vals
    return out


def assert_same(actual: dict, exp: dict, context: str = "") -> None:
    for name, value in exp.items():
        if name not in actual:
            continue
        got = actual[name]
        if value is None:
            assert got is None, f"{context} {name}: {got} != None"
        else:
            assert got == pytest.approx(float(value), abs=0.006), f"{context} {name}: {got} != {value}"


def agg(client, cube: str = "pension", **params) -> dict:
    params.setdefault("measures", ",".join(ALL))
    params = {k: v for k, v in params.items() if v is not None}
    r = client.get(f"/cube/{cube}/aggregate", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def rng(months):
    return f"month:{months[0]}-{months[-1]}"


# -- the query matrix ---------------------------------------------------------------------------

def test_whole_beijing(client, db):
    body = agg(client)
    assert body["cells"] == [] and body["total_cell_count"] is None
    assert_same(body["summary"], expected(db)["all"], "whole Beijing")


def test_whole_beijing_last_month(client, db, sample):
    body = agg(client, cut=f"month:{sample['last']}")
    assert_same(body["summary"], expected(db, "month_key = %s", (sample["last"],))["all"], "last month")


def test_by_district_over_a_month_range(client, db, sample):
    months = sample["range"]
    body = agg(client, cut=rng(months), drilldown="district")
    exp = expected(db, "month_key between %s and %s", (months[0], months[-1]), "district_code")
    assert body["total_cell_count"] == len(exp) == len(body["cells"])
    for cell in body["cells"]:
        assert cell["district.label"], cell
        assert_same(cell, exp[cell["district"]], f"district {cell['district']}")
    assert_same(body["summary"], expected(db, "month_key between %s and %s", (months[0], months[-1]))["all"])


def test_by_month(client, db, sample):
    body = agg(client, cut=f"year:{sample['year']}", drilldown="month")
    months = [m for m in sample["months"] if m // 100 == sample["year"]]
    assert [c["time.month"] for c in body["cells"]] == months
    for cell in body["cells"]:
        assert cell["time.year"] == sample["year"]
        assert_same(cell, expected(db, "month_key = %s", (cell["time.month"],))["all"], f"month {cell['time.month']}")


def test_district_set(client, db, sample):
    d = sample["districts"]
    body = agg(client, cut=f"district:{d[0]};{d[1]}", drilldown="district")
    assert sorted(c["district"] for c in body["cells"]) == sorted(d)
    exp = expected(db, "district_code = any(%s)", (d,), "district_code")
    for cell in body["cells"]:
        assert_same(cell, exp[cell["district"]], f"district {cell['district']}")
    assert_same(body["summary"], expected(db, "district_code = any(%s)", (d,))["all"], "district set")


def test_district_point_and_month_range(client, db, sample):
    d, months = sample["districts"][0], sample["range"]
    body = agg(client, cut=[f"district:{d}", rng(months)])
    exp = expected(db, "district_code = %s and month_key between %s and %s", (d, months[0], months[-1]))["all"]
    assert_same(body["summary"], exp, "district point + range")


def test_inverted_cut_and_other_dimensions(client, db, sample):
    body = agg(client, cut=f"!person_type:retired|month:{sample['last']}", drilldown="gender|age_band")
    exp = expected(db, "person_type <> 'retired' and month_key = %s", (sample["last"],),
                   "gender_code || '/' || age_band_code")
    assert len(body["cells"]) == len(exp)
    for cell in body["cells"]:
        assert_same(cell, exp[f"{cell['gender']}/{cell['age_band']}"], "gender/age band")


# -- roll-up rules ------------------------------------------------------------------------------

def test_children_sum_to_parent(client, sample):
    """Over districts (not time) every measure but the ratios adds up; at a single month also contributors."""
    cut = f"month:{sample['last']}"
    body = agg(client, cut=cut, drilldown="district")
    for name in STOCKS + FLOWS + ("contributors",):
        total = sum(c[name] for c in body["cells"])
        assert total == pytest.approx(body["summary"][name], abs=0.01), name
    by_type = agg(client, cut=cut, drilldown="person_type|industry_section", measures="insured_total,pension_paid")
    assert sum(c["insured_total"] for c in by_type["cells"]) == by_type["summary"]["insured_total"]


def test_flows_add_up_over_time(client, sample):
    body = agg(client, cut=rng(sample["range"]), drilldown="month", measures=",".join(FLOWS))
    for name in FLOWS:
        assert sum(c[name] for c in body["cells"]) == pytest.approx(body["summary"][name], abs=0.01), name


def test_stock_over_a_range_is_the_last_month(client, sample):
    months = sample["range"]
    over_range = agg(client, cut=rng(months), measures=",".join(STOCKS))
    last_month = agg(client, cut=f"month:{months[-1]}", measures=",".join(STOCKS))
    assert over_range["summary"] == last_month["summary"]
    assert over_range["stock_month"] == last_month["stock_month"]
    by_month = agg(client, cut=rng(months), drilldown="month", measures=",".join(STOCKS))
    if len(months) > 1:
        assert over_range["summary"]["insured_total"] != sum(c["insured_total"] for c in by_month["cells"])


def test_stock_by_year_takes_each_years_last_month(client, sample):
    body = agg(client, drilldown="time@year", measures="insured_total,pension_paid")
    for cell in body["cells"]:
        last = max(m for m in sample["months"] if m // 100 == cell["time.year"])
        month = agg(client, cut=f"month:{last}", measures="insured_total")
        assert cell["insured_total"] == month["summary"]["insured_total"], cell


def test_ratio_is_ratio_of_sums(client, sample):
    body = agg(client, cut=rng(sample["range"]), drilldown="district")
    s = body["summary"]
    assert s["dependency_ratio"] == pytest.approx(s["insured_active"] / s["insured_retired"], abs=1e-4)
    avg_of_ratios = sum(c["dependency_ratio"] for c in body["cells"] if c["dependency_ratio"]) / len(body["cells"])
    assert s["dependency_ratio"] != pytest.approx(avg_of_ratios, abs=1e-9) or len(body["cells"]) == 1


# -- paging, order, model, members ----------------------------------------------------------------

def test_paging_and_order(client, sample):
    full = agg(client, drilldown="district|month", measures="pension_paid", order="pension_paid:desc")
    values = [c["pension_paid"] for c in full["cells"]]
    assert values == sorted(values, reverse=True)
    p0 = agg(client, drilldown="district|month", measures="pension_paid", order="pension_paid:desc", pagesize=5)
    p1 = agg(client, drilldown="district|month", measures="pension_paid", order="pension_paid:desc", pagesize=5, page=1)
    assert p0["total_cell_count"] == p1["total_cell_count"] == full["total_cell_count"]
    assert p0["cells"] + p1["cells"] == full["cells"][:10]


def test_query_path_aggregate_or_fact(client, db, sample):
    """The planner reads agg_pension_month when that is exact, the fact otherwise; both agree with direct SQL."""
    months = sample["range"]
    body = agg(client, cut=f"month:{sample['last']}", drilldown="district")           # every measure, one month
    assert body["query_path"] == {"summary": "aggregate:agg_pension_month", "cells": "aggregate:agg_pension_month"}
    exp = expected(db, "month_key = %s", (sample["last"],), "district_code")
    for cell in body["cells"]:
        assert_same(cell, exp[cell["district"]], f"district {cell['district']}")
    body = agg(client, cut=rng(months), drilldown="district", measures="contributors,insured_total")
    if len(months) > 1:     # distinct persons over several months: only the fact can count them
        assert body["query_path"] == {"summary": "fact", "cells": "fact"}
    exp = expected(db, "month_key between %s and %s", (months[0], months[-1]), "district_code")
    for cell in body["cells"]:
        assert_same(cell, exp[cell["district"]], f"district {cell['district']}")
    facts = client.get("/cube/pension/facts", params={"pagesize": 1}).json()
    assert facts["total_fact_count"] == db.execute(f"select count(*) from {FACT}").fetchone()[0]


def test_model_and_cube_list(client):
    cubes = {c["name"]: c for c in client.get("/cubes").json()}
    assert "pension" in cubes and cubes["pension"]["label"] == "企业职工基本养老保险"
    model = client.get("/cube/pension/model").json()
    assert {m["name"] for m in model["measures"]} >= set(STOCKS + FLOWS + ("contributors",))
    assert {c["name"] for c in model["calculated_measures"]} >= {"dependency_ratio", "average_pension",
                                                                  "pension_paid_yoy", "contribution_income_ytd"}


def test_members(client, db):  # noqa: D103
    body = client.get("/cube/pension/members/district").json()
    dims = db.execute(f"select district_code, district_name from {SCHEMA}.dim_district order by district_sort").fetchall()
    assert [(m["key"], m["label"]) for m in body["members"]] == [tuple(r) for r in dims]


def test_health(anon):
    r = anon.get("/health")
    assert r.status_code == 200 and r.text == "ok"      # nothing about the internals


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, params, status, message", [
    ("/cube/nope/aggregate", {}, 404, "unknown cube"),
    ("/cube/nope/model", {}, 404, "unknown cube"),
    ("/cube/pension/aggregate", {"drilldown": "planet"}, 400, "unknown dimension"),
    ("/cube/pension/aggregate", {"cut": "planet:1"}, 400, "unknown dimension"),
    ("/cube/pension/aggregate", {"measures": "happiness"}, 400, "unknown measure"),
    ("/cube/pension/aggregate", {"cut": "month:2024-13"}, 400, "malformed"),
    ("/cube/pension/aggregate", {"cut": "month:202406-202401"}, 400, "from is after to"),
    ("/cube/pension/aggregate", {"cut": "district"}, 400, "malformed cut"),
    ("/cube/pension/aggregate", {"drilldown": "time@week"}, 400, "unknown level"),
    ("/cube/pension/aggregate", {"order": "pension_paid:sideways", "measures": "pension_paid"}, 400, "direction"),
    ("/cube/pension/aggregate", {"drilldown": "district", "pagesize": "0"}, 400, "pagesize"),
    ("/cube/pension/aggregate", {"drilldown": "district", "page": "x"}, 400, "page"),
    ("/cube/pension/members/planet", {}, 400, "unknown dimension"),
    # a misspelt parameter is named, not ignored (the caller would read a different answer than he asked for)
    ("/cube/pension/facts", {"page_size": "3"}, 400, "unknown parameter 'page_size' (did you mean 'pagesize'?)"),
    ("/cube/pension/aggregate", {"drilldwn": "district"}, 400, "did you mean 'drilldown'?"),
    ("/review/cube/pension/aggregate", {"drilldwn": "district"}, 400, "did you mean 'drilldown'?"),
    ("/cube/pension/model", {"x": "1"}, 400, "unknown parameter 'x'; this request takes: no parameters"),
    ("/kpis", {"mnth": "202411"}, 400, "this request takes: format, month"),
])
def test_bad_input_is_4xx(client, path, params, status, message):
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert message in r.json()["message"]
    assert r.status_code < 500


# -- every cube: numbers equal direct SQL, children sum to their parent -----------------------------

def _cube_cases():
    from cube.model import load_cubes

    return [(c.name, d) for c in load_cubes().values() for d in c.dimensions if d != c.time_dimension]


def _direct(db, cube, measure, where="true", params=(), group=None):
    """{group value: value} of one stored measure by direct SQL (tests/integration/cube_oracle.py)."""
    return {g: vals[measure] for g, vals in direct(db, SCHEMA, cube, where, params, group).items()}


@pytest.mark.parametrize("cube_name", sorted({c for c, _ in _cube_cases()}))
def test_every_cube_matches_direct_sql(client, db, cube_name):
    from cube.model import load_cubes

    cube = load_cubes()[cube_name]
    last = db.execute(f"select max(month_key) from {SCHEMA}.{cube.fact}").fetchone()[0]
    names = list(cube.measures)
    for cut, where, params in [(None, "true", ()), (f"month:{last}", "month_key = %s", (last,))]:
        body = agg(client, cube=cube_name, measures=",".join(names), cut=cut,
                   drilldown=cube.district_dimension)
        for name in names:
            exp = _direct(db, cube, name, where, params)
            assert body["summary"][name] == pytest.approx(float(exp.get("all", 0)), abs=0.01), (cube_name, name, cut)
            if cube.district_dimension:
                by = _direct(db, cube, name, where, params, "district_code")
                for cell in body["cells"]:
                    assert cell[name] == pytest.approx(float(by.get(cell["district"], 0)), abs=0.01), (name, cell)
        for cname, c in cube.calculated.items():
            if c.type == "ratio":
                body = agg(client, cube=cube_name, measures=f"{cname},{c.numerator},{c.denominator}", cut=cut)
                s = body["summary"]
                want = None if not s[c.denominator] else round(s[c.numerator] * c.multiplier / s[c.denominator], c.scale)
                # (a tie such as 180274.775 rounds half up in PostgreSQL, half to even / by binary float here)
                assert s[cname] == pytest.approx(want, abs=10 ** -c.scale * 1.001) if want is not None else s[cname] is None


@pytest.mark.parametrize("cube_name, dim", _cube_cases())
def test_drilldown_children_sum_to_parent(client, db, cube_name, dim):
    from cube.model import load_cubes

    cube = load_cubes()[cube_name]
    last = db.execute(f"select max(month_key) from {SCHEMA}.{cube.fact}").fetchone()[0]
    additive = [n for n, m in cube.measures.items() if m.additivity in ("additive", "stock", "opening")]
    for cut in (None, f"month:{last}"):
        body = agg(client, cube=cube_name, measures=",".join(additive), drilldown=dim, cut=cut, pagesize=10000)
        for name in additive:
            assert sum(c[name] for c in body["cells"]) == pytest.approx(body["summary"][name], abs=0.01), (dim, name)


def test_time_hierarchy_children_sum_to_parent(client):
    """Flows: months add up to their quarter and year; stocks: the year equals its last month."""
    body = agg(client, drilldown="month", measures="pension_paid,insured_total")
    by_year = agg(client, drilldown="time@year", measures="pension_paid,insured_total")
    for y in by_year["cells"]:
        months = [c for c in body["cells"] if c["time.year"] == y["time.year"]]
        assert sum(c["pension_paid"] for c in months) == pytest.approx(y["pension_paid"], abs=0.01)
        assert months[-1]["insured_total"] == y["insured_total"]


# -- calculated members against direct SQL ---------------------------------------------------------

def test_growth_ytd_and_share(client, db, sample):
    months = sample["months"]
    body = agg(client, drilldown="month|district", measures="pension_paid,pension_paid.mom,pension_paid.yoy,"
               "contribution_income.ytd,insured_total,insured_total.mom,insured_total.share", pagesize=10000)
    flows = {(r[0], r[1]): (r[2], r[3]) for r in db.execute(
        f"select month_key, district_code, sum(pension_paid), sum(contribution_income) from {FACT} group by 1, 2")}
    stock = {(r[0], r[1]): r[2] for r in db.execute(f"select month_key, district_code, count(*) from {FACT} group by 1, 2")}

    def prev(m):
        return m - 1 if m % 100 > 1 else (m // 100 - 1) * 100 + 12

    for c in body["cells"]:
        m, d = c["time.month"], c["district"]
        p = flows.get((prev(m), d))
        want = None if not p else round((flows[(m, d)][0] - p[0]) / p[0], 4)
        assert c["pension_paid.mom"] == (None if want is None else pytest.approx(float(want), abs=1e-4)), c
        py = flows.get((m - 100, d))
        assert c["pension_paid.yoy"] == (None if not py else pytest.approx(float((flows[(m, d)][0] - py[0]) / py[0]), abs=1e-4))
        ytd = sum(v[1] for (mm, dd), v in flows.items() if dd == d and m // 100 * 100 < mm <= m)
        assert c["contribution_income.ytd"] == pytest.approx(float(ytd), abs=0.01)
        ps = stock.get((prev(m), d))
        assert c["insured_total.mom"] == (None if not ps else pytest.approx((stock[(m, d)] - ps) / ps, abs=1e-4))
    # share: each district's share of the total at the last month; shares add up to 1
    last = agg(client, cut=f"month:{months[-1]}", drilldown="district", measures="insured_total,insured_total.share")
    total = last["summary"]["insured_total"]
    for c in last["cells"]:
        assert c["insured_total.share"] == pytest.approx(c["insured_total"] / total, abs=1e-4)
    assert sum(c["insured_total.share"] for c in last["cells"]) == pytest.approx(1, abs=1e-3)
    assert "insured_total" in last["summary"]      # asked for
    only = agg(client, cut=f"month:{months[-1]}", measures="pension_paid.mom")
    assert list(only["summary"]) == ["pension_paid.mom"]  # bases of members are not returned unasked
    if len(months) > 1:
        p0 = db.execute(f"select sum(pension_paid) from {FACT} where month_key = %s", (months[-2],)).fetchone()[0]
        p1 = db.execute(f"select sum(pension_paid) from {FACT} where month_key = %s", (months[-1],)).fetchone()[0]
        assert only["summary"]["pension_paid.mom"] == pytest.approx(float((p1 - p0) / p0), abs=1e-4)


# -- access: tokens, roles, district restriction, review release ----------------------------------

def test_anonymous_and_unknown_tokens_get_401(anon):
    for path in ("/cubes", "/cube/pension/aggregate", "/kpis", "/review/cubes", "/cube/pension/facts"):
        r = anon.get(path)
        assert r.status_code == 401 and "Bearer" in r.json()["message"], path
        assert r.headers["www-authenticate"] == "Bearer"
    r = anon.get("/cubes", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["message"] == "unknown token"
    spec = anon.get("/openapi.json").json()
    assert "401" in spec["info"]["description"] and "/review/cube/{name}/aggregate" in spec["paths"]
    for p in ("/cubes", "/cube/{name}/model", "/cube/{name}/aggregate", "/cube/{name}/members/{dimension}",
              "/cube/{name}/facts", "/cube/{name}/pivot", "/kpis"):
        assert p in spec["paths"], p


def test_review_release_needs_reviewer(env, db):
    for role in ("analyst", "leadership", "district_110105"):
        r = client_for(role).get("/review/cubes")
        assert r.status_code == 403 and "review" in r.json()["message"]
    for role in ("reviewer", "admin"):
        r = client_for(role).get("/review/cube/pension/aggregate", params={"measures": "pension_paid"})
        assert r.status_code == 200 and r.json()["release"] == "review"
        want = db.execute("select sum(pension_paid) from marts.fct_pension_person_month").fetchone()[0]
        assert r.json()["summary"]["pension_paid"] == pytest.approx(float(want), abs=0.01)


@pytest.mark.parametrize("district", ["110105", "110119"])
def test_district_restriction_cannot_be_escaped(env, db, district):
    c = client_for(f"district_{district}")
    other = "110108"
    own = db.execute(f"select sum(pension_paid), count(*) from {FACT} where district_code = %s", (district,)).fetchone()
    attempts = [
        {},
        {"drilldown": "district"},
        {"cut": f"district:{other}"},
        {"cut": f"district:{other};{district}", "drilldown": "district"},
        {"cut": f"!district:{district}"},
        {"cut": [f"district:{other}", f"district:{district}"]},
        {"cut": "month:-299912", "drilldown": "district|gender"},
    ]
    for params in attempts:
        r = c.get("/cube/pension/aggregate", params={"measures": "pension_paid", **params})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["restricted_to_district"] == district
        assert {x.get("district", district) for x in body["cells"]} <= {district}
        assert body["summary"]["pension_paid"] in (0, pytest.approx(float(own[0]), abs=0.01)), params
    members = c.get("/cube/pension/members/district").json()["members"]
    assert [m["key"] for m in members] == [district]
    facts = c.get("/cube/pension/facts", params={"cut": f"district:{other}", "pagesize": 50}).json()
    assert facts["facts"] == []
    facts = c.get("/cube/pension/facts", params={"pagesize": 10000}).json()
    assert facts["total_fact_count"] == own[1] and {f["district_code"] for f in facts["facts"]} == {district}
    pv = c.get("/cube/pension/pivot", params={"rows": "district", "columns": "month", "measures": "pension_paid"}).json()
    assert [r["key"] for r in pv["rows"]] == [[district]]
    assert "hotline" not in {x["name"] for x in c.get("/cubes").json()}
    assert c.get("/cube/hotline/aggregate").status_code == 404
    kp = c.get("/kpis").json()
    assert kp["restricted_to_district"] == district
    for k in kp["kpis"]:
        if k["kpi"] == "pension_insured_total":
            assert k["goal"] is None and k["status"] is None      # a Beijing-wide goal does not apply
    csv_text = c.get("/cube/pension/aggregate", params={"drilldown": "district", "format": "csv"}).text
    assert other not in csv_text


def test_perspective_limits_measures_and_dimensions(env):
    c = client_for("leadership")
    model = c.get("/cube/pension/model").json()
    assert {d["name"] for d in model["dimensions"]} == {"time", "district"}
    r = c.get("/cube/pension/aggregate", params={"measures": "contribution_base"})
    assert r.status_code == 400 and "unknown measure" in r.json()["message"]
    assert c.get("/cube/pension/aggregate", params={"drilldown": "gender"}).status_code == 400
    assert c.get("/cube/pension/facts").status_code == 403
    assert c.get("/cube/pension/aggregate", params={"measures": "pension_paid.yoy"}).status_code == 200


def test_facts_masking_and_paging(env, db, sample):
    analyst = client_for("analyst").get("/cube/pension/facts", params={"cut": f"month:{sample['last']}", "pagesize": 5,
                                                                         "order": "pension_paid:desc"}).json()
    admin = client_for("admin").get("/cube/pension/facts", params={"cut": f"month:{sample['last']}", "pagesize": 5,
                                                                     "order": "pension_paid:desc"}).json()
    n = db.execute(f"select count(*) from {FACT} where month_key = %s", (sample["last"],)).fetchone()[0]
    assert analyst["total_fact_count"] == admin["total_fact_count"] == n
    assert analyst["masked"] == ["person_id"] and admin["masked"] == []
    from cube.app import mask_value

    for a in analyst["facts"]:
        assert re.fullmatch(r"P[0-9a-f]{16}", a["person_id"]), a["person_id"]   # keyed pseudonym, no digit kept
    admin_ids = {b["person_id"] for b in admin["facts"]}
    assert not admin_ids & {a["person_id"] for a in analyst["facts"]}
    assert {mask_value("id_number", b["person_id"]) for b in admin["facts"]} & {a["person_id"] for a in analyst["facts"]}
    paid = [f["pension_paid"] for f in admin["facts"]]
    assert paid == sorted(paid, reverse=True)
    assert set(admin["fields"]) == {c["name"] for c in client_for("admin").get("/cube/pension/model").json()["fact_columns"]}
    assert "source_batch_id" not in admin["facts"][0]
    r = client_for("admin").get("/cube/pension/facts", params={"fields": "person_id,source_batch_id"})
    assert r.status_code == 400 and "unknown fact field" in r.json()["message"]


def test_pivot_equals_aggregate(client, sample):
    pv = client.get("/cube/pension/pivot", params={"rows": "district", "columns": "month",
                                                    "measures": "pension_paid,insured_total"}).json()
    cells = agg(client, drilldown="district|month", measures="pension_paid,insured_total", pagesize=10000)["cells"]
    assert len(pv["columns"]) == len(sample["months"])
    for c in cells:
        i = [r["key"] for r in pv["rows"]].index([c["district"]])
        j = [col["key"] for col in pv["columns"]].index([c["time.month"]])
        assert pv["values"][i][j] == {"pension_paid": c["pension_paid"], "insured_total": c["insured_total"]}
    r = client.get("/cube/pension/pivot", params={"rows": "district", "columns": "month", "measures": "pension_paid",
                                                  "format": "xlsx"})
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    grid = list(ws.values)
    assert len(grid) == len(pv["rows"]) + 1 and len(grid[0]) == len(pv["columns"]) + 1


def test_csv_and_xlsx(client, sample):
    r = client.get("/cube/pension/aggregate", params={"drilldown": "district", "measures": "pension_paid",
                                                      "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "district,district.label,养老金支出 (pension_paid)" and len(lines) == 17
    r = client.get("/cube/pension/members/district", params={"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert client.get("/kpis", params={"format": "csv"}).status_code == 200
    assert client.get("/cube/pension/aggregate", params={"format": "pdf"}).status_code == 400


def test_kpis(client, db, sample):
    body = client.get("/kpis").json()
    by = {k["kpi"]: k for k in body["kpis"]}
    k = by["pension_dependency_ratio"]
    assert k["month"] == sample["last"] and k["status"] in ("good", "warning", "bad")
    act, ret = db.execute(f"select count(*) filter (where person_type='active'), count(*) filter (where person_type="
                          f"'retired') from {FACT} where month_key = %s", (sample["last"],)).fetchone()
    assert k["value"] == pytest.approx(act / ret, abs=1e-4)
    if len(sample["months"]) > 1:
        assert k["trend"] in ("up", "down", "flat") and k["previous_value"] is not None
    # a count goal is written for Beijing and compared at the data's scale (dim_month.data_scale, from the manifest)
    from cube.kpi import load_goals

    goal = next(g for g in load_goals() if g["kpi"] == "pension_insured_total")
    k = by["pension_insured_total"]
    scale = db.execute(f"select data_scale from {SCHEMA}.dim_month where month_key = %s", (k["month"],)).fetchone()[0]
    assert goal["scaled"] and k["goal_scale"] == pytest.approx(float(scale))
    assert k["goal"] == pytest.approx(float(goal["goal"] * scale)) and 0.5 < k["value"] / k["goal"] < 1.5
    assert by["pension_dependency_ratio"]["goal_scale"] is None            # a ratio goal is never scaled
    assert client.get("/kpis", params={"month": "202413"}).status_code == 400


def test_cache_dropped_when_the_data_version_changes(client, db, env):
    from cube.cache import CACHE

    q = {"measures": "pension_paid", "cut": "district:110101"}
    first = agg(client, **q)
    before = first["summary"]["pension_paid"]
    assert first["query_path"]["summary"] == "aggregate:agg_pension_month"
    # a rebuild changes the fact and its pre-aggregate together (dbt builds agg_pension_month from the fact)
    key = db.execute(f"update {FACT} set pension_paid = pension_paid + 1000 where district_code = '110101' "
                     f"and ctid = (select min(ctid) from {FACT} where district_code = '110101') returning "
                     f"month_start, gender_code, age_band_code, industry_section_code, industry_division_code, person_type"
                     ).fetchone()
    db.execute(f"update {SCHEMA}.agg_pension_month set pension_paid = pension_paid + 1000 where district_code = "
               f"'110101' and month_start = %s and gender_code = %s and age_band_code = %s and "
               f"industry_section_code is not distinct from %s and industry_division_code is not distinct from %s and "
               f"person_type = %s", key)
    hits = CACHE.hits
    assert agg(client, **q)["summary"]["pension_paid"] == before      # served from the cache
    assert CACHE.hits > hits
    stamp = env / "data_version"
    stamp.write_text(str(int(stamp.read_text() or 0) + 1 if stamp.exists() else 1))   # what pipeline/caches.py does
    assert agg(client, **q)["summary"]["pension_paid"] == pytest.approx(before + 1000, abs=0.01)


@pytest.mark.parametrize("params", [
    {"measures": "insured_total.ytd"}, {"measures": "pension_paid.nope"}, {"page": "99999999999", "drilldown": "district"},
    {"cut": "month:999999"}, {"cut": "year:0000-9999"}, {"order": "pension_paid.yoy", "measures": "pension_paid.yoy",
                                                            "drilldown": "month"},
    {"cut": "district:" + ";".join(["110101"] * 1001)}, {"cut": "\\"}, {"drilldown": "|||"}, {"cut": "!:"},
])
def test_nasty_input_is_never_500(client, params):
    r = client.get("/cube/pension/aggregate", params=params)
    assert 200 <= r.status_code < 500, r.text
