"""The cube API against the real warehouse: its numbers equal direct SQL over the fact table.

Runs against the database of ops.settings.warehouse_url() (the `warehouse` DB, or WAREHOUSE_URL)
and the schema CUBE_SCHEMA (default marts). Fails — never skips — when the marts are not built.
"""
from __future__ import annotations

import os
from decimal import Decimal

import psycopg
import pytest
from fastapi.testclient import TestClient

from ops import settings

pytestmark = pytest.mark.integration

SCHEMA = os.environ.get("CUBE_SCHEMA", "marts")
FACT = f"{SCHEMA}.fct_pension_person_month"
STOCKS = ("insured_active", "insured_retired", "insured_total")
FLOWS = ("contribution_income", "pension_paid", "contribution_base")
ALL = STOCKS + ("contributors",) + FLOWS + ("dependency_ratio", "average_pension")


@pytest.fixture(scope="module")
def db(server_url):
    url = settings.warehouse_url()
    with psycopg.connect(url) as conn:
        missing = [t for t in ("fct_pension_person_month", "dim_month", "dim_district", "dim_gender",
                                "dim_age_band", "dim_industry_section")
                   if conn.execute("select to_regclass(%s)", (f"{SCHEMA}.{t}",)).fetchone()[0] is None]
        if missing:
            pytest.fail(f"the cube needs {', '.join(f'{SCHEMA}.{t}' for t in missing)} in {url.rsplit('@', 1)[-1]}: "
                        "build the warehouse marts first (dbt build), or set WAREHOUSE_URL/CUBE_SCHEMA")
        if conn.execute(f"select count(*) from {FACT}").fetchone()[0] == 0:
            pytest.fail(f"{FACT} is empty: load a month and build the marts first")
        yield conn


@pytest.fixture(scope="module")
def client(db):
    from cube.app import app

    return TestClient(app)


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
               count(*) filter (where month_start = (select m from l)),
               count(distinct person_id) filter (where is_contributor = 1),
               coalesce(sum(contribution_income), 0), coalesce(sum(pension_paid), 0),
               coalesce(sum(contribution_base), 0)
        from f group by 1""", params).fetchall()
    out = {}
    for r in rows:
        vals = dict(zip(("insured_active", "insured_retired", "insured_total", "contributors") + FLOWS, r[1:]))
        vals["dependency_ratio"] = (round(Decimal(vals["insured_active"]) / vals["insured_retired"], 4)
                                    if vals["insured_retired"] else None)
        vals["average_pension"] = (round(vals["pension_paid"] / vals["insured_retired"], 2)
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


def agg(client, **params) -> dict:
    params.setdefault("measures", ",".join(ALL))
    r = client.get("/cube/pension/aggregate", params=params)
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


def test_model_and_cube_list(client):
    cubes = client.get("/cubes").json()
    assert {"name": "pension"} .items() <= cubes[0].items() and cubes[0]["label"]
    model = client.get("/cube/pension/model").json()
    assert {m["name"] for m in model["measures"]} >= set(STOCKS + FLOWS + ("contributors",))
    assert {c["name"] for c in model["calculated_measures"]} == {"dependency_ratio", "average_pension"}


def test_members(client, db):
    body = client.get("/cube/pension/members/district").json()
    dims = db.execute(f"select district_code, district_name from {SCHEMA}.dim_district order by district_sort").fetchall()
    assert [(m["key"], m["label"]) for m in body["members"]] == [tuple(r) for r in dims]


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"


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
])
def test_bad_input_is_4xx(client, path, params, status, message):
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert message in r.json()["message"]
