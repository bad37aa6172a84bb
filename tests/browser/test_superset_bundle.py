"""Every dashboard of the Superset bundle, in a real Superset through headless Chromium, and the roles.

* Each dashboard in superset/dashboards/dashboards/*.yaml is opened by its slug as admin, leadership and a
  district user at once (three tabs); every chart placed on it must render with data (big number with digits,
  table rows, drawn canvas/svg), with no error or empty state and no failed /api/v1/chart/data request. A
  full-page screenshot per dashboard goes to var/screenshots/dashboard_<slug>.png (and per role when a check
  fails).
* Roles (through Superset's REST API, as real logins): a reviewer can list and query the review
  connection (审核版, warehouse_review) in SQL Lab; a leadership user cannot see or query it;
  a district user does not get the 系统管理 dashboard, while leadership does.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess

import psycopg
import pytest
import yaml

from foundation import settings

from .conftest import MANAGE, ROOT, SCREENSHOTS, SUPERSET_PY, login
from .test_superset_dashboard import chart_problems, has_content, wait_for_charts

pytestmark = pytest.mark.browser

BUNDLE = ROOT / "superset" / "dashboards"
REVIEW_DB = "warehouse_review"
OPS_SLUG = "ops-run-log-quality"
SERVICES_SLUG = "data-services-monitor"          # 数据接口服务监控: like 系统管理, not for district staff
NOT_FOR_DISTRICTS = (OPS_SLUG, SERVICES_SLUG, "governance-anomalies", "topic-monitor")   # city-wide
NOT_FOR_LEADERSHIP = ("dmp-audit-detail",)   # person-level rows (masked): groups with drill-through rights only


def bundle_dashboards() -> list[dict]:
    """[{slug, title, charts: [slice names], filters: [names]}] of the bundle's dashboards."""
    names = {}
    for f in (BUNDLE / "charts").glob("*.yaml"):
        c = yaml.safe_load(f.read_text(encoding="utf-8"))
        names[c["uuid"]] = c["slice_name"]
    out = []
    for f in sorted((BUNDLE / "dashboards").glob("*.yaml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        charts = [names[v["meta"]["uuid"]] for v in d["position"].values()
                  if isinstance(v, dict) and v.get("type") == "CHART"]
        filters = [x["name"] for x in d.get("metadata", {}).get("native_filter_configuration", [])]
        out.append({"slug": d["slug"], "title": d["dashboard_title"], "charts": charts, "filters": filters})
    return out


DASHBOARDS = bundle_dashboards()


ROLES = ("admin", "leader", "district_110105")   # 管理员, 领导, 朝阳区 (a district user)


@pytest.fixture(scope="module")
def role_pages(browser, superset_url, admin_password):
    """A logged-in page per role, each in its own browser context (cookies apart)."""
    pw = {**json.loads((settings.SECRETS / "superset_users.json").read_text(encoding="utf-8")),
          "admin": admin_password}
    pages, contexts = {}, []
    for user in ROLES:
        ctx = browser.new_context(viewport={"width": 1600, "height": 1400}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        login(page, superset_url, user, pw[user])
        pages[user] = page
    yield pages
    for ctx in contexts:
        ctx.close()


@pytest.mark.parametrize("dash", DASHBOARDS, ids=[d["slug"] for d in DASHBOARDS])
def test_every_dashboard_renders_with_data_for_every_role(role_pages, superset_url, dash):
    """The dashboard opened at once by admin, leadership and a district user (three tabs loading side by
    side, as three people would): every chart of each renders with data. The district user does not get the
    city-wide dashboards (checked through the API below)."""
    users = [u for u in ROLES if not (u.startswith("district") and dash["slug"] in NOT_FOR_DISTRICTS)
             and not (u == "leader" and dash["slug"] in NOT_FOR_LEADERSHIP)]
    visits = [(u, DashboardVisit(role_pages[u], superset_url, dash)) for u in users]
    for user, visit in visits:
        visit.check(shot_suffix="" if user == "admin" else f"_{user}", screenshot=user == "admin",
                    own_district="朝阳区" if user == "district_110105" else None)


def check_dashboard(page, superset_url: str, dash: dict, shot_suffix: str = "") -> None:
    """Open the dashboard and check it (see DashboardVisit.check)."""
    DashboardVisit(page, superset_url, dash).check(shot_suffix)


# Runs in the page: the tick labels ECharts drew on every value axis (the chart's ECharts instance, found through
# the React component that holds it), per chart holder.
AXIS_LABELS_JS = r"""
() => [...document.querySelectorAll('[_echarts_instance_]')].map(el => {
  const holder = el.closest('[data-test-chart-id]');
  const key = Object.keys(el).find(k => k.startsWith('__reactFiber'));
  let fiber = key ? el[key] : null, inst = null;
  for (let i = 0; fiber && i < 40 && !inst; i++, fiber = fiber.return) {
    for (let h = fiber.memoizedState, j = 0; h && j < 30 && !inst; j++, h = h.next) {
      const v = h.memoizedState && h.memoizedState.current;
      if (v && typeof v.getModel === 'function' && typeof v.getOption === 'function') inst = v;
    }
  }
  const axes = [];
  for (const dim of ['xAxis', 'yAxis']) {
    for (let k = 0, c; inst && (c = inst.getModel().getComponent(dim, k)); k++) {
      if (c.axis.type === 'value') axes.push(c.axis.getViewLabels().map(l => l.formattedLabel));
    }
  }
  return {id: holder && holder.getAttribute('data-test-chart-id'), found: !!inst, axes};
})
"""


def repeated_count_ticks(page) -> list:
    """[(chart id, labels)] of the count axes (every tick label a whole number) that print a label twice: ECharts'
    own ticks at 0.5, 1, 1.5 … printed with ',d' read 1, 1, 2, 2 (bundle_kit.echart_options sets minInterval 1)."""
    charts = page.evaluate(AXIS_LABELS_JS)
    assert all(c["found"] for c in charts), f"an ECharts chart whose instance the test cannot read: {charts}"
    return [(c["id"], labels) for c in charts for labels in c["axes"]
            if labels and all(re.fullmatch(r"-?[\d,]+", x) for x in labels) and len(set(labels)) < len(labels)]


def boundary_districts() -> set[str]:
    """The districts the map can draw: those with an outline in the official release."""
    with psycopg.connect(settings.warehouse_url()) as conn:
        return {r[0] for r in conn.execute("select district_name from official.dim_district_boundary")}


class DashboardVisit:
    """A dashboard being opened in a page: started at once (so several pages load side by side), checked later."""

    def __init__(self, page, superset_url: str, dash: dict):
        self.page, self.dash = page, dash
        self.responses: list[tuple] = []
        self.map_responses: list = []
        page.on("response", self._on_response)
        page.goto(f"{superset_url}/superset/dashboard/{dash['slug']}/", wait_until="commit")

    def _on_response(self, r):
        if "/api/v1/chart/data" in r.url:
            self.responses.append((r.status, r.url))
            body = r.request.post_data or ""
            if '"handlebars"' in body and '"district_shape"' in body:   # the 区县地图 (bundle_kit.district_map)
                self.map_responses.append(r)

    def check(self, shot_suffix: str = "", screenshot: bool = True, own_district: str | None = None) -> None:
        """Every chart rendered with data, no error, no failed chart-data request, the filters in the bar. The
        full-page screenshot (var/screenshots/dashboard_<slug><suffix>.png) is taken when asked, and always
        when a check fails."""
        page, dash = self.page, self.dash
        shot = SCREENSHOTS / f"dashboard_{dash['slug']}{shot_suffix}.png"
        try:
            self._check(page, dash, own_district)
        except (AssertionError, pytest.fail.Exception):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            raise
        finally:
            page.remove_listener("response", self._on_response)
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)

    def _check(self, page, dash: dict, own_district: str | None = None) -> None:
        """… and a dashboard with a 区县地图 draws the 16 districts, or only `own_district` for a district user
        (row-level security); no count axis repeats a tick label."""
        states = wait_for_charts(page, len(dash["charts"]))
        for _ in range(2):  # the first dashboard of a session may re-mount once after its charts drew
            if len(states) == len(dash["charts"]) and all(has_content(s) for s in states):
                break
            states = wait_for_charts(page, len(dash["charts"]))

        assert page.locator(f"text={dash['title']}").first.is_visible(), f"title {dash['title']!r} not shown"
        titles = [s["title"] for s in states]
        for name in dash["charts"]:
            assert any(t.startswith(name) for t in titles), f"chart {name!r} missing; on the page: {titles}"
        assert len(states) == len(dash["charts"]), titles

        bad = chart_problems(states)
        assert not bad, f"{dash['slug']}: charts without data or with errors: {bad}"

        failed = [r for r in self.responses if r[0] != 200]
        assert self.responses and not failed, f"chart data requests failed: {failed}"
        repeated = repeated_count_ticks(page)
        assert not repeated, f"{dash['slug']}: count axes repeat tick labels: {repeated}"
        if any(n.startswith("区县地图") for n in dash["charts"]):
            assert self.map_responses, f"{dash['slug']}: the district map sent no chart-data request"
            rows = [x for r in self.map_responses for x in r.json()["result"][0]["data"]]
            drawn = {x["name"] for x in rows if x.get("district_shape")}
            want = {own_district} if own_district else boundary_districts()
            assert drawn == want and len(want) == (1 if own_district else 16), \
                f"{dash['slug']}: the map draws {sorted(drawn)}, expected {sorted(want)}"
        bar = page.locator('[data-test="filter-bar"]')
        for f in dash["filters"]:
            assert bar.get_by_text(f, exact=True).count(), f"filter {f!r} not in the filter bar"


# ---------------------------------------------------------------- roles, through the REST API
def make_user(username: str, roles: str) -> str:
    password = secrets.token_urlsafe(18)
    res = subprocess.run([str(SUPERSET_PY), str(MANAGE), "user", username, roles], cwd=ROOT,
                         env={**os.environ, "SUPERSET_USER_PASSWORD": password},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return password


class Api:
    """A logged-in API session (JWT + the session cookie and CSRF token that POSTs need)."""

    def __init__(self, browser, base: str, username: str, password: str):
        self.base = base
        self.browser_ctx = browser.new_context(base_url=base)
        self.ctx = self.browser_ctx.request   # shares the context's cookie jar
        r = self.ctx.post("/api/v1/security/login", data={"username": username, "password": password,
                                                          "provider": "db", "refresh": False})
        assert r.ok, f"login {username}: {r.status} {r.text()[:300]}"
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        csrf = self.ctx.get("/api/v1/security/csrf_token/", headers=self.headers)
        assert csrf.ok, csrf.text()[:300]
        self.headers["X-CSRFToken"] = csrf.json()["result"]
        self.headers["Referer"] = base

    def get(self, path: str):
        return self.ctx.get(path, headers=self.headers)

    def post(self, path: str, data: dict):
        return self.ctx.post(path, headers=self.headers, data=data)

    def names(self, path: str, key: str) -> list[str]:
        r = self.get(path + "?q=(page_size:100)")
        return [x[key] for x in r.json().get("result", [])] if r.ok else []


@pytest.fixture(scope="module")
def api(browser, superset_url):
    users = {"reviewer": ("test_reviewer", "reviewer"), "leadership": ("test_leadership", "leadership"),
             "district": ("test_district_110105", "district,district_110105")}
    sessions = {k: Api(browser, superset_url, name, make_user(name, roles)) for k, (name, roles) in users.items()}
    yield sessions
    for s in sessions.values():
        s.browser_ctx.close()


def review_db_id() -> int:
    import sqlite3

    con = sqlite3.connect(f"file:{settings.VAR / 'superset' / 'superset.db'}?mode=ro", uri=True)
    try:
        return con.execute("select id from dbs where database_name = ?", (REVIEW_DB,)).fetchone()[0]
    finally:
        con.close()


SQL = "select count(*) as n, sum(insured_active) as active from marts.rpt_pension_overview"


def test_reviewer_queries_the_review_database(api):
    reviewer = api["reviewer"]
    assert REVIEW_DB in reviewer.names("/api/v1/database/", "database_name")
    r = reviewer.post("/api/v1/sqllab/execute/", {"database_id": review_db_id(), "sql": SQL, "runAsync": False,
                                                  "schema": "marts", "tab": "review", "client_id": secrets.token_hex(5)})
    assert r.ok, f"reviewer SQL Lab query failed: {r.status} {r.text()[:500]}"
    rows = r.json()["data"]
    with psycopg.connect(settings.warehouse_url()) as conn:
        n, active = conn.execute(SQL).fetchone()
    assert rows and rows[0]["n"] == n and rows[0]["active"] == active
    # the review dataset is the reviewer's, the official dashboards are not
    assert "review_rpt_pension_overview" in reviewer.names("/api/v1/dataset/", "table_name")
    assert "pension-overview" not in reviewer.names("/api/v1/dashboard/", "slug")


def test_leadership_cannot_see_or_query_the_review_database(api):
    lead = api["leadership"]
    assert REVIEW_DB not in lead.names("/api/v1/database/", "database_name")
    assert "review_rpt_pension_overview" not in lead.names("/api/v1/dataset/", "table_name")
    r = lead.post("/api/v1/sqllab/execute/", {"database_id": review_db_id(), "sql": SQL, "runAsync": False,
                                              "schema": "marts", "tab": "review", "client_id": secrets.token_hex(5)})
    assert not r.ok and r.status in (401, 403, 404), f"leadership ran SQL on the review DB: {r.status} {r.text()[:300]}"
    # leadership does get the dashboards, including 系统管理
    slugs = lead.names("/api/v1/dashboard/", "slug")
    assert {"pension-overview", OPS_SLUG} <= set(slugs), slugs


def test_district_user_does_not_get_the_ops_dashboard(api):
    slugs = api["district"].names("/api/v1/dashboard/", "slug")
    assert "pension-overview" in slugs and not set(NOT_FOR_DISTRICTS) & set(slugs), slugs
    assert REVIEW_DB not in api["district"].names("/api/v1/database/", "database_name")


@pytest.mark.parametrize("table", ["rpt_injury_overview", "rpt_job_market_by_occupation"])
def test_district_user_sees_only_own_district(api, table):
    """Row-level security on a subject dataset (and on one whose 区县 name is a calculated column)."""
    user = api["district"]
    r = user.get("/api/v1/dataset/?q=(page_size:100)")
    ids = {d["table_name"]: d["id"] for d in r.json()["result"]}
    assert table in ids, sorted(ids)
    body = {"datasource": {"id": ids[table], "type": "table"}, "result_format": "json", "result_type": "full",
            "queries": [{"columns": ["district_code", "district_name"], "row_limit": 100,
                         "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}]}]}
    r = user.post("/api/v1/chart/data", body)
    assert r.ok, r.text()[:500]
    rows = r.json()["result"][0]["data"]
    assert rows and {(x["district_code"], x["district_name"]) for x in rows} == {("110105", "朝阳区")}, rows
