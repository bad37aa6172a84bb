"""The pension dashboard (企业职工养老保险概览) in a real Superset, seen through headless Chromium.

Proves that every chart of the bundle renders with data (no error, no empty state), that the
month filter defaults to the latest month, and that the KPI 在职参保人数 equals a direct SQL sum
over official.rpt_pension_overview — for the whole city and for one district picked in the filter.
"""
from __future__ import annotations

import re
import time
from decimal import Decimal

import psycopg
import pytest
import yaml

from foundation import settings

from .conftest import ROOT, SCREENSHOTS

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
    canvasInk,
    text: h.innerText.slice(0, 400),
  };
})
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

    bad = [(s["title"], r) for s in states for r in (
        (["error alert: " + "; ".join(s["alerts"])] if s["alerts"] else [])
        + (["empty state"] if s["emptyState"] else [])
        + (["error/empty text"] if EMPTY_OR_ERROR.search(s["text"]) else [])
        + ([] if has_content(s) else ["no rendered data (svg/canvas/table/number)"]))]
    assert not bad, f"charts without data or with errors: {bad}"

    failed = [r for r in responses if r[0] != 200]
    assert responses and not failed, f"chart data requests failed: {failed}"
    # the dashboard filters: 月份 and 区县
    bar = page.locator('[data-test="filter-bar"]')
    assert bar.get_by_text("月份", exact=True).count() and bar.get_by_text("区县", exact=True).count()


def test_kpi_insured_active_equals_sql_for_latest_month(page, superset_url):
    states, _ = open_dashboard(page, superset_url, len(bundle_charts()))
    latest_label, expected = psycopg.connect(settings.warehouse_url()).execute(
        """select month_label, insured_active          -- the mart's own Beijing row (110000 = Σ districts)
             from official.rpt_pension_overview
            where district_code = '110000'
              and month_start = (select max(month_start) from official.rpt_pension_overview)""").fetchone()
    # the month filter defaults to the latest month ...
    assert page.locator('[data-test="filter-bar"]').get_by_text(latest_label).count(), \
        f"month filter does not show the latest month {latest_label}"
    # ... and the KPI (district rows only, summed by Superset) shows exactly the mart's Beijing figure: not doubled
    assert kpi_value(states, "在职参保人数") == Decimal(expected)


def test_district_filter_drives_kpi(page, superset_url):
    """Picking 朝阳区 in the 区县 filter turns the KPI into that district's figure."""
    states, _ = open_dashboard(page, superset_url, len(bundle_charts()))
    district = "朝阳区"
    expected = sql_scalar(
        """select sum(insured_active) from official.rpt_pension_overview
            where district_name = %s
              and month_start = (select max(month_start) from official.rpt_pension_overview)""", district)
    assert expected is not None, f"no rows for {district} in the mart"
    city = kpi_value(states, "在职参保人数")

    bar = page.locator('[data-test="filter-bar"]')
    control = bar.locator('[data-test="form-item-value"]').nth(1)   # 0 = 月份, 1 = 区县
    control.locator(".ant-select-selector").click()
    page.keyboard.type(district)
    page.locator(".ant-select-item-option", has_text=district).first.click()
    page.keyboard.press("Escape")
    bar.locator('[data-test="filter-bar__apply-button"]').click()

    deadline = time.time() + 60
    value = city
    while time.time() < deadline:
        states = wait_for_charts(page, len(bundle_charts()))
        value = kpi_value(states, "在职参保人数")
        if value != city:
            break
        page.wait_for_timeout(500)
    assert value == Decimal(expected), f"{district}: KPI {value} != SQL {expected} (city {city})"
