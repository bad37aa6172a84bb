"""The pension dashboard (企业职工养老保险概览) in a real Superset, seen through headless Chromium.

Proves that every chart of the bundle renders with data (no error, no empty state), that the
month filter defaults to the latest month, and that the KPI 在职参保人数 equals a direct SQL sum
over official.rpt_pension_overview — for the whole city and for one district picked in the filter.
The 月份 filter's default is written into the dashboard (superset/manage.py month-default, run by import, publish and
rollback), so each chart asks for its data once, without waiting for the filter's options.
"""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml

from foundation import settings
from pipeline import dashboard_defaults

from .conftest import MANAGE, ROOT, SCREENSHOTS, SUPERSET_PY, login

pytestmark = pytest.mark.browser

BUNDLE = ROOT / "superset" / "dashboards"
DASHBOARD_YAML = BUNDLE / "dashboards" / "pension_overview.yaml"
EMPTY_OR_ERROR = re.compile(r"无结果|No results|此查询没有数据返回|没有数据|No data|发生了一个错误|"
                            r"An error occurred|意外错误|Unexpected error|错误：|Error:")

# Runs in the page: the state of every chart holder on the dashboard.
CHART_STATE_JS = r"""
() => [...document.querySelectorAll('[data-test-chart-id]')].map(h => {
  const canvasInk = [...h.querySelectorAll('canvas')].some(c => {
    if (!c.width || !c.height) return false;
    try {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 16) if (d[i] !== 0) return true;
    } catch (e) { return true; }
    return false;
  });
  const title = (h.closest('.dashboard-component-chart-holder') || h)
      .querySelector('[data-test="editable-title"], .header-title, [data-test="slice-header"]');
  return {
    id: h.getAttribute('data-test-chart-id'),
    viz: h.getAttribute('data-test-viz-type'),
    title: title ? title.textContent.trim() : '',
    loading: !!h.querySelector('.loading, [data-test="loading-indicator"], [aria-label="loading"]'),
    alerts: [...h.querySelectorAll('[role="alert"], .alert-danger, .ant-alert-error, [data-test="error-tooltip"]')]
              .map(a => a.textContent.trim()),
    emptyState: !!h.querySelector('.ant-empty, [data-test="empty-state"]'),
    bigNumber: (h.querySelector('.header-line, .kpi-value') || {textContent: ''}).textContent.trim(),
    tableRows: h.querySelectorAll('tbody tr').length,
    svgShapes: h.querySelectorAll('svg path, svg rect, svg circle, svg text').length,
    mapDistricts: h.querySelectorAll('svg a path').length,   // the 区县地图's districts (bundle_kit.district_map)
    canvasInk,
    text: h.innerText.slice(0, 400),
  };
})
"""


# Runs in the page: a point inside the outline of district `name` on the 区县地图 (an SVG path in a link, its <title>
# "<name> <indicator>：<value>"), in viewport coordinates, found with the path's own hit test; null when none.
MAP_POINT_JS = r"""
(name) => {
  const path = [...document.querySelectorAll('[data-test-viz-type="handlebars"] svg a path')]
      .find(p => (p.querySelector('title') || {textContent: ''}).textContent.startsWith(name + ' '));
  if (!path) return null;
  path.scrollIntoView({block: 'center'});
  const box = path.getBBox(), ctm = path.getScreenCTM(), svg = path.ownerSVGElement;
  for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
    const pt = svg.createSVGPoint();
    pt.x = box.x + box.width * i / 20; pt.y = box.y + box.height * j / 20;
    if (path.isPointInFill(pt)) { const s = pt.matrixTransform(ctm); return {x: s.x, y: s.y}; }
  }
  return null;
}
"""


def bundle_charts() -> dict[str, str]:
    """{slice name: viz type} of the charts placed on the dashboard in the YAML bundle."""
    dash = yaml.safe_load(DASHBOARD_YAML.read_text(encoding="utf-8"))
    charts = {}
    for f in (BUNDLE / "charts").glob("*.yaml"):
        c = yaml.safe_load(f.read_text(encoding="utf-8"))
        charts[c["uuid"]] = (c["slice_name"], c["viz_type"])
    placed = [v["meta"]["uuid"] for v in dash["position"].values()
              if isinstance(v, dict) and v.get("type") == "CHART"]
    return dict(charts[u] for u in placed)


def has_content(state: dict) -> bool:
    viz = state["viz"] or ""
    if viz.startswith("big_number") or state["bigNumber"]:
        return bool(re.search(r"\d", state["bigNumber"]))
    if viz == "table":
        return state["tableRows"] > 0
    if viz == "handlebars":   # the 区县地图: a district user's shows one district
        return state["mapDistricts"] > 0
    return state["canvasInk"] or state["svgShapes"] > 5


def sql_scalar(query: str, *params):
    with psycopg.connect(settings.warehouse_url()) as conn:
        return conn.execute(query, params).fetchone()[0]


def open_dashboard(page, superset_url: str, expected: int) -> tuple[list[dict], list[tuple]]:
    """Open the dashboard and wait until every chart finished (content, error or empty state)."""
    responses: list[tuple] = []

    def on_response(r):
        if "/api/v1/chart/data" in r.url:
            responses.append((r.status, r.url))

    page.on("response", on_response)
    try:
        page.goto(f"{superset_url}/superset/dashboard/pension-overview/")
        states = wait_for_charts(page, expected)
    finally:
        page.remove_listener("response", on_response)
    return states, responses


def wait_for_charts(page, expected: int, timeout: float = 90) -> list[dict]:
    deadline = time.time() + timeout
    states: list[dict] = []
    while time.time() < deadline:
        states = page.evaluate(CHART_STATE_JS)
        if len(states) >= expected and all(
            not s["loading"] and (has_content(s) or s["alerts"] or s["emptyState"]
                                  or EMPTY_OR_ERROR.search(s["text"]))
            for s in states
        ):
            page.wait_for_timeout(1000)  # let animations settle before reading / screenshots
            return page.evaluate(CHART_STATE_JS)
        page.wait_for_timeout(500)
    pytest.fail(f"charts did not finish loading in {timeout}s: {states}")


def chart_problems(states: list[dict]) -> list[tuple[str, str]]:
    """[(chart title, what is wrong)] of the rendered charts: an error alert, an empty state, error or "no data"
    text, or nothing drawn (no svg / canvas / table / number)."""
    return [(s["title"], r) for s in states for r in (
        (["error alert: " + "; ".join(s["alerts"])] if s["alerts"] else [])
        + (["empty state"] if s["emptyState"] else [])
        + (["error/empty text"] if EMPTY_OR_ERROR.search(s["text"]) else [])
        + ([] if has_content(s) else ["no rendered data (svg/canvas/table/number)"]))]


def wait_for_map(page, districts: int, timeout: float = 30) -> None:
    """Wait until the 区县地图 draws `districts` district outlines. The map was counted once, straight after a full-page
    screenshot, and read 0 in one CI run although every chart had been drawn a moment before (the capture resizes the
    page, and Superset lays the dashboard out again): a re-render is not a missing map, so the count may settle; the
    failure shows what the chart holder held, sampled over the wait."""
    samples = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = page.evaluate("""() => [...document.querySelectorAll('[data-test-viz-type="handlebars"]')].map(
            h => ({paths: h.querySelectorAll('svg a path').length, text: h.innerText.slice(0, 120)}))""")
        samples.append(found)
        if sum(h["paths"] for h in found) == districts:
            return
        page.wait_for_timeout(250)
    pytest.fail(f"the map draws {samples[-1]} districts, not {districts}; first / last samples: {samples[:3]} … {samples[-3:]}")


def kpi_value(states: list[dict], title: str) -> Decimal:
    match = [s for s in states if s["title"].startswith(title)]
    assert match, f"no chart titled {title!r}: {[s['title'] for s in states]}"
    text = match[0]["bigNumber"]
    assert re.fullmatch(r"-?[\d,]+(\.\d+)?", text), f"{title}: unexpected big-number text {text!r}"
    return Decimal(text.replace(",", ""))


def test_dashboard_renders_every_chart_with_data(page, superset_url):
    expected = bundle_charts()
    states, responses = open_dashboard(page, superset_url, len(expected))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pension_dashboard.png"), full_page=True)

    assert page.locator("text=企业职工养老保险概览").first.is_visible()
    titles = [s["title"] for s in states]
    for name in expected:
        assert any(t.startswith(name) for t in titles), f"chart {name!r} missing; on the page: {titles}"
    assert len(states) == len(expected), titles

    bad = chart_problems(states)
    assert not bad, f"charts without data or with errors: {bad}"

    failed = [r for r in responses if r[0] != 200]
    assert responses and not failed, f"chart data requests failed: {failed}"
    # one request per chart and one per filter (月份, 区县): with the month default in the dashboard the charts start
    # with it and are not asked again when the filter's options arrive
    assert len(responses) == len(expected) + 2, f"{len(responses)} chart-data requests for {len(expected)} charts"
    # the dashboard filters: 月份 and 区县
    bar = page.locator('[data-test="filter-bar"]')
    assert bar.get_by_text("月份", exact=True).count() and bar.get_by_text("区县", exact=True).count()

    # 区县地图: an SVG drawing (no WebGL canvas) of the 16 districts; a real mouse click on a district opens the page
    # filtered to it (the 区县 filter set, the months kept) — the KPI becomes that district's figure of the latest month
    city = kpi_value(states, "在职参保人数")
    by_district = dict(psycopg.connect(settings.warehouse_url()).execute(
        """select district_name, insured_active from official.rpt_pension_overview
            where district_code not in ('110000', '999999')
              and month_start = (select max(month_start) from official.rpt_pension_overview)""").fetchall())
    wait_for_map(page, 16)
    assert not page.locator('[data-test-viz-type^="deck_"]').count(), "a deck.gl (WebGL) chart is still on the page"
    point = page.evaluate(MAP_POINT_JS, "海淀区")
    assert point, "the map has no 海淀区"
    with page.expect_navigation(timeout=60_000):
        page.mouse.click(point["x"], point["y"])
    states = wait_for_charts(page, len(expected))
    value = kpi_value(states, "在职参保人数")
    assert value == Decimal(by_district["海淀区"]), \
        f"after a click on 海淀区 the KPI shows {value}, not 海淀区's {by_district['海淀区']} (city {city})"
    assert page.locator('[data-test="filter-bar"]').get_by_text("海淀区").count(), "the 区县 filter does not show 海淀区"
    wait_for_map(page, 1)   # the map: 海淀区 alone


def month_defaults() -> dict[str, list | None]:
    """{dashboard slug: the 月份 filter's default months} as Superset's metadata holds them (required filters only)."""
    con = sqlite3.connect(f"file:{settings.VAR / 'superset' / 'superset.db'}?mode=ro", uri=True)
    try:
        out = {}
        for slug, meta in con.execute("select slug, json_metadata from dashboards"):
            for f in json.loads(meta or "{}").get("native_filter_configuration", []):
                if f["id"] == "NATIVE_FILTER-month" and f["controlValues"].get("enableEmptyFilter"):
                    out[slug] = f.get("defaultDataMask", {}).get("filterState", {}).get("value")
        return out
    finally:
        con.close()


def test_month_filter_default_is_the_newest_month_and_follows_publish(superset_url):
    """Every required 月份 filter defaults to the newest month of the official release (the value the filter's "first
    item" would give), with the filter's own extraFormData; the step publish and rollback run puts a stale default
    right."""
    newest = sql_scalar("select to_char(max(month_start), 'YYYY\"年\"MM\"月\"') from official.rpt_pension_overview")
    defaults = month_defaults()
    assert len(defaults) >= 15, defaults
    assert defaults["pension-overview"] == [newest], defaults
    stale = {slug: months for slug, months in defaults.items() if months != [newest]}
    assert not stale, f"月份 defaults other than the newest month {newest}: {stale}"
    # a stale default (as after a publish whose refresh had not run): the publish / rollback step writes the newest
    con = sqlite3.connect(settings.VAR / "superset" / "superset.db", timeout=30)
    try:
        meta = json.loads(con.execute("select json_metadata from dashboards where slug = 'pension-overview'").fetchone()[0])
        month = next(f for f in meta["native_filter_configuration"] if f["id"] == "NATIVE_FILTER-month")
        month["defaultDataMask"]["filterState"]["value"] = ["2000年01月"]
        month["defaultDataMask"]["extraFormData"]["filters"][0]["val"] = ["2000年01月"]
        with con:
            con.execute("update dashboards set json_metadata = ? where slug = 'pension-overview'", (json.dumps(meta),))
    finally:
        con.close()
    assert month_defaults()["pension-overview"] == ["2000年01月"]
    assert dashboard_defaults.refresh(log=lambda *_: None)
    con = sqlite3.connect(f"file:{settings.VAR / 'superset' / 'superset.db'}?mode=ro", uri=True)
    try:
        meta = json.loads(con.execute("select json_metadata from dashboards where slug = 'pension-overview'").fetchone()[0])
    finally:
        con.close()
    month = next(f for f in meta["native_filter_configuration"] if f["id"] == "NATIVE_FILTER-month")
    assert month["defaultDataMask"]["filterState"]["value"] == [newest]
    assert month["defaultDataMask"]["extraFormData"] == {
        "filters": [{"col": "month_label", "op": "IN", "val": [newest]}]}
    # still required (cannot be emptied) and still the newest of its options if the default is stale; the dashboard
    # need not wait for it (requiredFirst off) since its value is known
    assert month["controlValues"]["enableEmptyFilter"] and month["controlValues"]["defaultToFirstItem"]
    assert month["requiredFirst"] is False


def chart_cache_states(page, superset_url: str, expected: int) -> dict[str, list]:
    """Open the dashboard; {chart id: is_cached of each of its queries} of the charts' own data requests (`page`
    logged in as whoever opens it)."""
    cached: dict[str, list] = {}

    def on_response(r):
        match = re.search(r"slice_id%22%3A(\d+)|slice_id\":(\d+)", r.url)
        if "/api/v1/chart/data" in r.url and match and r.status == 200:
            cached[match.group(1) or match.group(2)] = [q.get("is_cached") for q in r.json()["result"]]

    page.on("response", on_response)
    try:
        page.goto(f"{superset_url}/superset/dashboard/pension-overview/")
        wait_for_charts(page, expected)
    finally:
        page.remove_listener("response", on_response)
    return cached


def test_result_cache_warmed_as_after_publish_serves_every_chart(page, superset_url):
    """After the caches are emptied (build / publish / rollback), `manage.py warm-cache` (run by publish, rollback and
    `make superset`) computes every chart of the dashboard as a city-wide login opens it with its default filters:
    the browser's requests are then answered from the cache — their query objects equal the warm-up's."""
    expected = len(bundle_charts())
    data_cache = settings.VAR / "superset" / "cache" / "data"

    def empty_cache():
        for f in data_cache.glob("*"):
            f.unlink()

    empty_cache()
    cold = chart_cache_states(page, superset_url, expected)
    assert len(cold) == expected and not any(any(v) for v in cold.values()), f"emptied cache, yet cached: {cold}"
    empty_cache()
    res = subprocess.run([str(SUPERSET_PY), str(MANAGE), "warm-cache", "pension-overview"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    warm = chart_cache_states(page, superset_url, expected)
    assert len(warm) == expected, warm
    missed = {c: v for c, v in warm.items() if not all(v)}
    assert not missed, f"charts computed again after the warm-up (query differs from the warm-up's): {missed}"
    # … and a district user's (its own login and row security, its own cache entries): warmed too
    password = json.loads((settings.SECRETS / "superset_users.json").read_text(encoding="utf-8"))["district_110105"]
    ctx = page.context.browser.new_context(viewport={"width": 1600, "height": 1400}, locale="zh-CN")
    try:
        district = ctx.new_page()
        login(district, superset_url, "district_110105", password)
        warm = chart_cache_states(district, superset_url, expected)
    finally:
        ctx.close()
    assert len(warm) == expected, warm
    missed = {c: v for c, v in warm.items() if not all(v)}
    assert not missed, f"district_110105: charts computed again after the warm-up: {missed}"


def test_caches_emptied_stop_a_warm_up_still_running(superset_url, monkeypatch):
    """A warm-up (started in the background by build / publish / rollback) still running when the caches are emptied
    again is stopped first: it would write results of the previous data into the new cache."""
    from pipeline import caches

    monkeypatch.setenv("SUPERSET_WARM_CACHE", "1")
    assert dashboard_defaults.warm(log=lambda *_: None)
    pid = int(dashboard_defaults.WARM_PID.read_text())
    assert b"warm-cache" in Path(f"/proc/{pid}/cmdline").read_bytes()
    caches.invalidate(log=lambda *_: None)
    gone = not Path(f"/proc/{pid}").exists() or b"warm-cache" not in dashboard_defaults._cmdline(pid)
    assert gone and not dashboard_defaults.WARM_PID.exists(), "the warm-up still runs after the caches were emptied"
