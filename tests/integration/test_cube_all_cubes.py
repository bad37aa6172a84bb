"""Every cube against direct SQL over its fact: a query matrix (whole history, a month, a month range, by each
dimension, by year), the roll-up rules (children add up to their parent; stocks are the last month of a period,
never summed over time) and the district restriction of the district roles.

The facts and dimension tables are copied from ``marts`` into a scratch schema the official release (CUBE_SCHEMA)
points at, so concurrent builds cannot change the data mid-test; the cubes' pre-aggregates are copied too, so
the planner's answers are what is compared. Direct SQL is written here from the cube model's measure definitions
(count, count distinct, sum of a column or columns, equality filters; stocks at the last month of the cell's
period), independently of cube/query.py. Fails — never skips — when the marts are not built.
"""
from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.integration.cube_oracle import cube_tables, marts_copy
from tests.integration.cube_oracle import direct as _direct_sql

pytestmark = pytest.mark.integration

SCHEMA = f"cube_all_{uuid.uuid4().hex[:8]}"


def _cubes():
    from cube.model import load_cubes

    return load_cubes()


CUBES = sorted(_cubes())
DISTRICT_CUBES = sorted(n for n, c in _cubes().items() if c.district_dimension)


@pytest.fixture(scope="module")
def db(server_url):
    with marts_copy(SCHEMA, cube_tables(_cubes().values())) as conn:
        yield conn


@pytest.fixture(scope="module")
def env(db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cube_all")
    mp = pytest.MonkeyPatch()
    mp.setenv("CUBE_SCHEMA", SCHEMA)
    mp.setenv("CUBE_TOKENS_FILE", str(tmp / "tokens.json"))
    mp.setenv("CUBE_DATA_VERSION_FILE", str(tmp / "data_version"))
    from cube import access

    access._token_index.cache_clear()
    yield tmp
    mp.undo()
    access._token_index.cache_clear()


def client_for(role: str) -> TestClient:
    from cube import access
    from cube.app import app

    return TestClient(app, headers={"Authorization": f"Bearer {access.token_for(role)}"})


@pytest.fixture(scope="module")
def admin(env):
    return client_for("admin")


def agg(client, cube: str, **params) -> dict:
    params = {k: v for k, v in params.items() if v is not None}
    r = client.get(f"/cube/{cube}/aggregate", params={"pagesize": 10000, **params})
    assert r.status_code == 200, r.text
    return r.json()


def direct(db, cube, where: str = "true", params: tuple = (), group: str | None = None,
           time_group: str | None = None) -> dict:
    return _direct_sql(db, SCHEMA, cube, where, params, group, time_group)


def same(actual: dict, expected: dict, context) -> None:
    for name, want in expected.items():
        got = actual.get(name)
        if want is None:
            assert got is None, (context, name, got)
        else:
            assert got == pytest.approx(float(want), abs=0.011), (context, name, got, want)


def single_level_dims(cube):
    """(dimension, fact column, cell key) of the non-time dimensions with one level."""
    out = []
    for d in cube.dimensions.values():
        if d.is_time or len(d.levels) != 1:
            continue
        lv = d.levels[0]
        col = d.fact_key if d.table else lv.key
        out.append((d.name, col, d.name if lv.name == d.name else f"{d.name}.{lv.name}"))
    return out


def month_list(db, cube) -> list[int]:
    return [r[0] for r in db.execute(f"select distinct month_key from {SCHEMA}.{cube.fact} order by 1")]


# -- the matrix -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CUBES)
def test_cube_matches_direct_sql(admin, db, name):
    cube = _cubes()[name]
    months = month_list(db, cube)
    assert months, f"{cube.fact} is empty"
    last, r3 = months[-1], months[-3:]
    every = ",".join([*cube.measures, *(c for c, v in cube.calculated.items() if v.type in ("ratio", "sum"))])
    cases = [(None, "true", ()), (f"month:{last}", "month_key = %s", (last,)),
             (f"month:{r3[0]}-{r3[-1]}", "month_key between %s and %s", (r3[0], r3[-1]))]
    for cut, where, params in cases:
        body = agg(admin, name, measures=every, cut=cut)
        same(body["summary"], direct(db, cube, where, params)["all"], (name, cut))
        for dim, col, key in single_level_dims(cube):
            body = agg(admin, name, measures=every, cut=cut, drilldown=dim)
            exp = direct(db, cube, where, params, group=col)
            assert {c[key] for c in body["cells"]} == set(exp), (name, dim, cut)
            for cell in body["cells"]:
                same(cell, exp[cell[key]], (name, dim, cut, cell[key]))
    # by year: flows summed over the year's months, stocks at each year's last month, distinct counts per year
    body = agg(admin, name, measures=every, drilldown="time@year")
    exp = direct(db, cube, group="month_key / 100", time_group="month_key / 100")
    assert [c["time.year"] for c in body["cells"]] == sorted(exp)
    for cell in body["cells"]:
        same(cell, exp[cell["time.year"]], (name, "year", cell["time.year"]))


@pytest.mark.parametrize("name", CUBES)
def test_time_children_add_up(admin, db, name):
    """Months add up to their year for flows; a year's stock is its last month's, its opening balance its first
    month's; districts add up to the city."""
    cube = _cubes()[name]
    flows = [n for n, m in cube.measures.items() if m.additivity == "additive"]
    stocks = [n for n, m in cube.measures.items() if m.additivity == "stock"]
    openings = [n for n, m in cube.measures.items() if m.additivity == "opening"]
    balances = flows + stocks + openings
    by_month = agg(admin, name, measures=",".join(balances), drilldown="month")["cells"]
    by_year = agg(admin, name, measures=",".join(balances), drilldown="time@year")["cells"]
    for y in by_year:
        months = [c for c in by_month if c["time.year"] == y["time.year"]]
        for f in flows:
            assert sum(c[f] for c in months) == pytest.approx(y[f], abs=0.02), (name, f, y["time.year"])
        for s in stocks:
            assert months[-1][s] == y[s], (name, s, y["time.year"])
        for o in openings:
            assert months[0][o] == y[o], (name, o, y["time.year"])
    if cube.district_dimension and balances:
        last = month_list(db, cube)[-1]
        body = agg(admin, name, measures=",".join(balances), cut=f"month:{last}", drilldown="district")
        for m in balances:
            assert sum(c[m] for c in body["cells"]) == pytest.approx(body["summary"][m], abs=0.02), (name, m)


# -- district restriction ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", DISTRICT_CUBES)
def test_district_restriction_on_every_cube(env, db, name):
    cube = _cubes()[name]
    own, other = "110105", "110108"
    c = client_for(f"district_{own}")
    every = ",".join(cube.measures)
    exp = direct(db, cube, "district_code = %s", (own,)).get("all")
    for params in ({}, {"drilldown": "district"}, {"cut": f"district:{other}"}, {"cut": f"!district:{own}"},
                   {"cut": f"district:{other};{own}", "drilldown": "district"}, {"cut": "month:-299912"}):
        body = agg(c, name, measures=every, **params)
        assert body["restricted_to_district"] == own, params
        assert {x["district"] for x in body["cells"]} <= {own}, params
        for m in cube.measures:
            if exp is None or params.get("cut", "").startswith(("district:1", "!")) and "drilldown" not in params:
                assert body["summary"][m] in (0, None), (name, params, m)
            else:
                assert body["summary"][m] == pytest.approx(float(exp[m]), abs=0.011), (name, params, m)
    members = c.get(f"/cube/{name}/members/{cube.district_dimension}").json()["members"]
    assert [m["key"] for m in members] == [own]
    fields = [f.name for f in cube.fact_columns]
    if "district_code" in fields:
        facts = c.get(f"/cube/{name}/facts", params={"pagesize": 10000, "cut": f"district:{other};{own}"}).json()
        n = db.execute(f"select count(*) from {SCHEMA}.{cube.fact} where district_code = %s", (own,)).fetchone()[0]
        assert facts["total_fact_count"] in (n, None) and {f["district_code"] for f in facts["facts"]} <= {own}
    pv = c.get(f"/cube/{name}/pivot", params={"rows": "district", "columns": "time@year",
                                              "measures": next(iter(cube.measures))}).json()
    assert [r["key"] for r in pv["rows"]] in ([[own]], [])
    assert c.get(f"/cube/{name}/aggregate", params={"format": "csv", "drilldown": "district"}).text.count(other) == 0
