"""Attack suite, Superset (issue 12), through the real Superset's REST API and headless Chromium, logged in
as the demo users of access/model.yaml (passwords in var/secrets/superset_users.json):

* a district user's chart-data requests with custom SQL metrics, filters and WHERE clauses run as the
  district's own database role: file functions, query-text functions (query_to_xml, ts_rewrite) and raw
  data are refused by PostgreSQL, other districts' rows do not exist for it;
* an analyst's SQL Lab (PREPARE/EXECUTE, SELECT INTO, COPY TO, GRANT, DO, multi-statement, INSERT)
  reads the official release only and changes nothing;
* a result cached for one database login is never served to a user of another (a district user never gets
  leadership's or another district's cached chart data);
* twelve wrong passwords in a row meet the login throttle (429, the account locked for 15 minutes);
* (every dashboard rendering with data for admin, leadership and the district user: test_superset_bundle).
"""
from __future__ import annotations

import json
import re
import secrets
import subprocess

import psycopg
import pytest
import requests

import access
from access.throttle import LoginThrottle
from foundation import settings

from .conftest import MANAGE, ROOT, SUPERSET_PY

pytestmark = pytest.mark.browser
DISTRICT = "110105"


def passwords() -> dict[str, str]:
    return json.loads((settings.SECRETS / "superset_users.json").read_text(encoding="utf-8"))


class Session:
    def __init__(self, base: str, username: str, password: str):
        self.base, self.s = base, requests.Session()
        r = self.s.post(base + "/api/v1/security/login", json={"username": username, "password": password,
                                                               "provider": "db", "refresh": False}, timeout=60)
        assert r.ok, f"login {username}: {r.status_code} {r.text[:200]}"
        self.s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
        self.s.headers["X-CSRFToken"] = self.s.get(base + "/api/v1/security/csrf_token/", timeout=60).json()["result"]
        self.s.headers["Referer"] = base

    def get(self, path: str):
        return self.s.get(self.base + path, timeout=120)

    def post(self, path: str, body: dict):
        return self.s.post(self.base + path, json=body, timeout=120)


@pytest.fixture(scope="module")
def users(superset_url) -> dict[str, Session]:
    pw = passwords()
    return {u: Session(superset_url, u, pw[u]) for u in ("district_110105", "analyst", "leader")}


@pytest.fixture(scope="module")
def datasets(users) -> dict[str, int]:
    r = users["district_110105"].get("/api/v1/dataset/?q=(page_size:100)")
    return {x["table_name"]: x["id"] for x in r.json()["result"]}


def chart_data(session: Session, dataset: int, metric: str, columns=("district_code",), filters=(), where=None):
    q = {"columns": list(columns), "row_limit": 1000, "filters": list(filters),
         "metrics": [{"expressionType": "SQL", "sqlExpression": metric, "label": "m"}]}
    if where:
        q["extras"] = {"where": where}
    return session.post("/api/v1/chart/data", {"datasource": {"id": dataset, "type": "table"},
                                              "result_format": "json", "result_type": "full", "queries": [q]})


def rows(r) -> list[dict]:
    assert r.status_code == 200, r.text[:300]
    return r.json()["result"][0]["data"]


def test_district_charts_run_as_the_districts_database_role(users, datasets):
    data = rows(chart_data(users["district_110105"], datasets["rpt_injury_overview"], "MAX(CURRENT_USER)", columns=()))
    assert data == [{"m": access.district_database_role(DISTRICT)}]
    data = rows(chart_data(users["leader"], datasets["rpt_injury_overview"], "MAX(CURRENT_USER)", columns=()))
    assert data == [{"m": "wh_superset"}]


def test_cached_results_are_never_shared_across_database_logins(users, datasets):
    """Superset's result cache (not bypassed here: no force) is keyed by the login a user's queries run as
    (superset_config.py CACHE_QUERY_BY_USER, _cache_by_login_role): a dataset without a district_code column has no
    Superset row-level-security clause, so without that part of the key the district user would be served the
    leader's cached answer, computed as wh_superset, and never reach PostgreSQL's own grants and row security."""
    ds, nonce = datasets["rpt_dmp_actuarial_pyramid"], secrets.token_hex(4)   # a query no earlier run cached
    metric = f"MAX(CURRENT_USER || ':{nonce}')"
    assert rows(chart_data(users["leader"], ds, metric, columns=())) == [{"m": f"wh_superset:{nonce}"}]
    r = chart_data(users["district_110105"], ds, metric, columns=())
    assert r.status_code == 200 and not r.json()["result"][0]["is_cached"], r.text[:300]   # computed, not served
    assert rows(r) == [{"m": f"{access.district_database_role(DISTRICT)}:{nonce}"}]
    again = chart_data(users["district_110105"], ds, metric, columns=())   # its own entry is kept and served
    assert again.json()["result"][0]["is_cached"] is True and rows(again) == rows(r)


@pytest.mark.parametrize("metric, refusal", [
    ("MAX(pg_read_file('pg_hba.conf'))", "permission denied"),
    ("MAX(pg_read_file('postgresql.conf', 0, 200))", "permission denied"),
    ("MAX(query_to_xml('select count(*) from raw.ent_pension_person', true, false, '')::text)", "permission denied"),
    ("MAX(query_to_xml('select count(*) from official.rpt_injury_overview', true, false, '')::text)",
     "permission denied"),
    ("MAX(ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery')::text)", "permission denied"),
    ("MAX(lo_import('/etc/passwd'))", "permission denied"),
    ("(select count(*) from raw.ent_pension_person)", ""),
    ("(select count(*) from official.rpt_pension_overview where district_code <> '110105')", ""),
])
def test_district_custom_sql_probes_are_refused(users, datasets, metric, refusal):
    r = chart_data(users["district_110105"], datasets["rpt_injury_overview"], metric)
    assert r.status_code != 200, r.text[:300]
    assert refusal in r.text, r.text[:300]


@pytest.mark.parametrize("table", ["rpt_injury_overview", "rpt_pension_overview", "rpt_unemployment_overview",
                                   "rpt_job_market_by_occupation"])
def test_district_filters_and_where_tricks_never_reach_other_districts(users, datasets, table):
    user, ds = users["district_110105"], datasets[table]
    assert {x["district_code"] for x in rows(chart_data(user, ds, "COUNT(*)"))} == {DISTRICT}
    assert rows(chart_data(user, ds, "COUNT(*)", filters=[{"col": "district_code", "op": "!=", "val": DISTRICT}])) == []
    assert {x["district_code"] for x in rows(chart_data(user, ds, "COUNT(*)", where="1=1 OR 1=1"))} == {DISTRICT}
    total = rows(chart_data(user, ds, "COUNT(DISTINCT district_code)", columns=()))
    assert total == [{"m": 1}]


def sql_lab(session: Session, sql: str):
    dbs = {x["database_name"]: x["id"] for x in session.get("/api/v1/database/?q=(page_size:100)").json()["result"]}
    return session.post("/api/v1/sqllab/execute/", {"database_id": dbs["warehouse"], "sql": sql, "runAsync": False,
                                                    "schema": "official", "client_id": secrets.token_hex(5),
                                                    "tab": "probe", "queryLimit": 100})


def test_analyst_sql_lab_reads_the_official_release(users):
    r = sql_lab(users["analyst"], "select count(*) as n from official.rpt_pension_overview")
    assert r.status_code == 200 and r.json()["data"][0]["n"] > 0, r.text[:300]


PROBE_FILE = "/tmp/wh_superset_probe_copy"


@pytest.mark.parametrize("statement", [
    "PREPARE p AS SELECT id_number, phone FROM raw.ent_pension_person; EXECUTE p",
    "PREPARE q AS SELECT * FROM marts.rpt_pension_overview; EXECUTE q",
    "PREPARE r AS SELECT usename, passwd FROM pg_shadow; EXECUTE r",
    "PREPARE s AS SELECT pg_read_file('postgresql.conf'); EXECUTE s",
    "PREPARE w AS INSERT INTO official.release_info (release_id) VALUES (-1); EXECUTE w",
    "select 1 as x into official.stolen",
    "create table official.stolen as select 1 as x",
    f"copy (select 1) to '{PROBE_FILE}'",
    "grant select on all tables in schema official to public",
    "do $$ begin execute 'create table official.stolen(i int)'; end $$",
    "select 1; delete from official.release_info",
    "set default_transaction_read_only = off; insert into official.release_info (release_id) values (-1)",
    "call pg_catalog.pg_reload_conf()",
    "select * from audit.load_finding",
])
def test_analyst_sql_lab_probes_are_refused_and_change_nothing(users, statement):
    with psycopg.connect(settings.admin_url()) as conn:
        before = conn.execute("select count(*), max(release_id) from official.release_info").fetchone()
    r = sql_lab(users["analyst"], statement)
    assert r.status_code != 200, r.text[:300]
    with psycopg.connect(settings.admin_url()) as conn:
        assert conn.execute("select count(*), max(release_id) from official.release_info").fetchone() == before
        assert conn.execute("select to_regclass('official.stolen')").fetchone() == (None,)
        assert conn.execute("select count(*) from information_schema.role_table_grants where grantee = 'PUBLIC' "
                            "and table_schema = 'official'").fetchone() == (0,)
    assert not __import__("os").path.exists(PROBE_FILE)


@pytest.fixture()
def throttle_user(superset_url):
    name = "test_throttle_probe"
    password = secrets.token_urlsafe(15)
    res = subprocess.run([str(SUPERSET_PY), str(MANAGE), "user", name, "leadership"], cwd=ROOT, check=False,
                         env={**__import__("os").environ, "SUPERSET_USER_PASSWORD": password},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    throttle = LoginThrottle(settings.VAR / "superset" / "login_throttle.db")
    throttle.forget(name, "127.0.0.1")
    yield name, password
    throttle.forget(name, "127.0.0.1")


def test_twelve_wrong_passwords_meet_the_throttle(superset_url, throttle_user):
    name, password = throttle_user
    codes = []
    for _ in range(12):
        r = requests.post(superset_url + "/api/v1/security/login",
                          json={"username": name, "password": "wrong-" + secrets.token_hex(4), "provider": "db"},
                          timeout=60)
        codes.append(r.status_code)
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    assert "Retry-After" in r.headers and "登录失败次数过多" in r.text
    # locked: even the right password is refused now, through the API and the login form
    r = requests.post(superset_url + "/api/v1/security/login",
                      json={"username": name, "password": password, "provider": "db"}, timeout=60)
    assert r.status_code == 429
    form = requests.Session()
    page = form.get(superset_url + "/login/", timeout=60).text
    token = re.search(r'name="csrf_token"\s+id="csrf_token"\s+value="([^"]+)"', page).group(1)
    r = form.post(superset_url + "/login/", data={"username": name, "password": password, "csrf_token": token},
                  timeout=60, allow_redirects=False)
    assert r.status_code == 429, (r.status_code, r.headers.get("Location"))
    # the lock is per name: another account still logs in
    Session(superset_url, "leader", passwords()["leader"])


@pytest.mark.parametrize("path", ["/login/", "/api/v1/security/csrf_token/", "/health"])
def test_no_foreign_origin_may_read_superset_answers(superset_url, path):
    """Superset's default CORS lets two map-tile origins read every answer; here no origin but its own may."""
    for origin in ("https://tile.openstreetmap.org", "https://example.org"):
        r = requests.get(superset_url + path, headers={"Origin": origin}, timeout=60, allow_redirects=False)
        assert "Access-Control-Allow-Origin" not in r.headers, (path, origin, r.headers.get("Access-Control-Allow-Origin"))
