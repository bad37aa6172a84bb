"""Every chart of the bundle by its id, the KPI cards and a district user's rows, in the real Superset (issue 19).

* Each chart carries a saved query context (superset/manage.py import): `/api/v1/chart/<id>/data/` answers
  JSON, CSV and XLSX for every chart (what export, cache warm-up and reports use).
* The KPI cards of the pension dashboard, read in headless Chromium, show the value, 环比 and 同比 that SQL over
  official.rpt_pension_overview gives for the latest month (ratios as ratios of sums).
* For every dashboard a district user gets: every chart's rows that carry a district are that district's only,
  and every KPI card's value per month is the district's own figure (SQL over the district's rows).
"""
from __future__ import annotations

import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

import openpyxl
import psycopg
import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from foundation import settings

from .conftest import ROOT
from .test_superset_bundle import DASHBOARDS, OPS_SLUG
from .test_superset_dashboard import wait_for_charts

pytestmark = pytest.mark.browser
DISTRICT, DISTRICT_NAME = "110105", "朝阳区"


class Session:
    def __init__(self, base: str, username: str, password: str):
        self.base, self.s = base, requests.Session()
        r = self.s.post(base + "/api/v1/security/login", json={"username": username, "password": password,
                                                               "provider": "db", "refresh": False}, timeout=60)
        assert r.ok, f"login {username}: {r.status_code} {r.text[:200]}"
        self.s.headers["Authorization"] = "Bearer " + r.json()["access_token"]

    def get(self, path: str) -> requests.Response:
        return self.s.get(self.base + path, timeout=120)


@pytest.fixture(scope="module")
def admin(superset_url, admin_password) -> Session:
    return Session(superset_url, "admin", admin_password)


@pytest.fixture(scope="module")
def district(superset_url) -> Session:
    pw = json.loads((settings.SECRETS / "superset_users.json").read_text(encoding="utf-8"))
    return Session(superset_url, f"district_{DISTRICT}", pw[f"district_{DISTRICT}"])


def dashboard_charts(session: Session, slug: str) -> list[dict]:
    r = session.get(f"/api/v1/dashboard/{slug}/charts")
    assert r.ok, f"{slug}: {r.status_code} {r.text[:300]}"
    return r.json()["result"]


def chart_data_problems(admin: Session, cid: int, name: str) -> tuple[list[tuple], int]:
    """What is wrong with the chart's data by id as JSON, CSV and XLSX (nothing: []), and its number of rows."""
    r = admin.get(f"/api/v1/chart/{cid}/data/?format=json")
    if r.status_code != 200:
        return [(name, "json", r.status_code, r.text[:200])], 0
    problems = []
    result = r.json()["result"]
    # rows with a value (a chart over an empty table — no service calls yet — has none, or one row of nulls)
    rows = sum(1 for row in (result[0]["data"] if result else []) if any(v is not None for v in row.values()))
    r = admin.get(f"/api/v1/chart/{cid}/data/?format=csv")
    if r.status_code != 200 or "csv" not in r.headers.get("Content-Type", ""):
        problems.append((name, "csv", r.status_code, r.text[:200]))
    elif rows and len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) < 2:
        problems.append((name, "csv", "no data rows", rows))
    r = admin.get(f"/api/v1/chart/{cid}/data/?format=xlsx")
    if r.status_code != 200 or not r.content.startswith(b"PK"):
        problems.append((name, "xlsx", r.status_code, r.text[:200]))
    elif rows and openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active.max_row < 2:
        problems.append((name, "xlsx", "no data rows", rows))
    return problems, rows


def test_every_chart_answers_json_csv_and_xlsx_by_id(admin):
    charts = {}
    for d in DASHBOARDS:
        found = dashboard_charts(admin, d["slug"])
        assert len(found) == len(d["charts"]), (d["slug"], [c["slice_name"] for c in found])
        charts.update({c["id"]: c["slice_name"] for c in found})
    with ThreadPoolExecutor(4) as pool:   # Superset serves several requests at once (gunicorn threads)
        results = list(pool.map(lambda kv: chart_data_problems(admin, *kv), sorted(charts.items())))
    failures = [p for ps, _ in results for p in ps]
    assert not failures, f"{len(failures)} problems over {len(charts)} charts: {failures[:10]}"
    with_rows = sum(1 for _, n in results if n)
    assert with_rows >= 0.9 * len(charts), f"only {with_rows} of {len(charts)} charts have data"


# ---------------------------------------------------------------- KPI cards against SQL
KPI_JS = r"""
() => [...document.querySelectorAll('[data-test-chart-id]')].filter(h => h.querySelector('.kpi-card')).map(h => {
  const holder = h.closest('.dashboard-component-chart-holder') || h;
  const t = holder.querySelector('[data-test="editable-title"], .header-title, [data-test="slice-header"]');
  const q = s => { const e = h.querySelector(s); return e ? {text: e.textContent.trim(), cls: e.className} : null; };
  return {title: t ? t.textContent.trim() : '', value: q('.kpi-value'), mom: q('.kpi-mom'), yoy: q('.kpi-yoy')};
})
"""


def sql_rows(query: str, *params) -> list[tuple]:
    with psycopg.connect(settings.warehouse_url()) as conn:
        return conn.execute(query, params).fetchall()


def pct_text(cur, prev) -> str:
    if prev is None or cur is None or prev == 0:
        return "—"
    change = (Decimal(cur) - Decimal(prev)) / abs(Decimal(prev))
    arrow = "▲" if change > 0 else "▼" if change < 0 else "持平"
    return f"{arrow} {abs(change * 100).quantize(Decimal('0.01'), ROUND_HALF_UP):,}%"


def test_kpi_cards_show_value_mom_and_yoy_as_sql(page, superset_url):
    page.goto(f"{superset_url}/superset/dashboard/pension-overview/")
    wait_for_charts(page, len(next(d for d in DASHBOARDS if d["slug"] == "pension-overview")["charts"]))
    found = page.evaluate(KPI_JS)
    cards = {t: next((c for c in found if c["title"].startswith(t)), None) for t in ("在职参保人数", "制度抚养比")}
    assert all(cards.values()), found
    # district rows only (the Beijing row 110000 = Σ districts is left out), latest month, a month and a year earlier
    (latest,), = sql_rows("select max(month_start) from official.rpt_pension_overview")
    by_month = dict((m, (a, r)) for m, a, r in sql_rows(
        """select month_start, sum(insured_active), sum(insured_retired) from official.rpt_pension_overview
            where district_code <> '110000' group by month_start"""))
    prev_m = next((m for m in by_month if (m.year, m.month) == ((latest.year, latest.month - 1) if latest.month > 1
                                                                else (latest.year - 1, 12))), None)
    prev_y = next((m for m in by_month if (m.year, m.month) == (latest.year - 1, latest.month)), None)
    active, retired = by_month[latest]
    card = cards["在职参保人数"]
    assert card["value"]["text"] == f"{active:,}"
    pm, py = by_month.get(prev_m, (None, None)), by_month.get(prev_y, (None, None))
    assert card["mom"]["text"] == f"环比 {pct_text(active, pm[0])}"
    assert card["yoy"]["text"] == f"同比 {pct_text(active, py[0])}"
    if pm[0] is not None and active != pm[0]:   # good direction 'up': green when it grew, red when it fell
        assert ("kpi-good" if active > pm[0] else "kpi-bad") in card["mom"]["cls"], card
    # a ratio of sums, not a sum or mean of the districts' ratios
    ratio = Decimal(active) / Decimal(retired)
    assert cards["制度抚养比"]["value"]["text"] == f"{ratio.quantize(Decimal('0.01'), ROUND_HALF_UP)}"
    if pm[0] is not None:
        assert cards["制度抚养比"]["mom"]["text"] == f"环比 {pct_text(ratio, Decimal(pm[0]) / Decimal(pm[1]))}"
    if prev_m is None:
        return
    # 自由选择统计时间 on the page: the 月份 filter with the last two months (as a link to the dashboard carries it):
    # the stock card shows the last month, the flow card the two months' sum; 环比 against the two months before
    months = [prev_m, latest]
    labels = ",".join(f"'{m.strftime('%Y年%m月')}'" for m in months)
    state = (f"(NATIVE_FILTER-month:(extraFormData:(filters:!((col:month_label,op:IN,val:!({labels})))),"
             f"filterState:(value:!({labels})),id:NATIVE_FILTER-month,ownState:()))")
    page.goto(f"{superset_url}/superset/dashboard/pension-overview/?native_filters={quote(state)}")
    page.wait_for_function("() => document.querySelectorAll('.kpi-card .kpi-value').length >= 6", timeout=90_000)
    found = page.evaluate(KPI_JS)
    cards = {t: next((c for c in found if c["title"].startswith(t)), None) for t in ("在职参保人数", "基金征缴收入")}
    income = dict(sql_rows("""select month_start, sum(contribution_income) / 10000.0 from official.rpt_pension_overview
                               where district_code <> '110000' group by month_start"""))
    two = income[prev_m] + income[latest]
    before = [m for m in sorted(income) if m < prev_m][-2:]
    assert cards["在职参保人数"]["value"]["text"] == f"{active:,}", cards
    assert cards["基金征缴收入"]["value"]["text"] == f"{two.quantize(Decimal('0.01'), ROUND_HALF_UP):,}", (cards, two)
    assert cards["基金征缴收入"]["mom"]["text"] == \
        f"环比 {pct_text(two, sum(income[m] for m in before) if before else None)}", (cards, before)
    assert cards["在职参保人数"]["mom"]["text"] == \
        f"环比 {pct_text(active, by_month[before[-1]][0] if before else None)}", cards


# ---------------------------------------------------------------- 自由选择统计时间: a period of several months
def chart_data(session: Session, dataset_id: int, metrics: list[str], months: list[str],
               columns: list[str] | None = None) -> list[dict]:
    """The chart data API (what a dashboard chart asks) over a dataset with the 月份 filter set to `months`."""
    body = {"datasource": {"id": dataset_id, "type": "table"}, "force": True, "result_format": "json",
            "result_type": "full", "queries": [{
                "columns": columns or [], "metrics": metrics, "row_limit": 100, "orderby": [],
                "filters": [{"col": "month_label", "op": "IN", "val": months},
                            {"col": "district_code", "op": "!=", "val": "110000"}]}]}
    r = session.s.post(session.base + "/api/v1/chart/data", json=body, timeout=120)
    assert r.status_code == 200, r.text[:500]
    return r.json()["result"][0]["data"]


def test_period_of_months_sums_flows_and_takes_stocks_at_its_end(admin):
    """The 月份 filter with several months: flows (征缴收入) are the SQL sum over them, stocks (在职参保人数) and
    distinct counts (缴费人数) the last month's value, ratios of stocks (制度抚养比) the last month's ratio — in the
    district table's dataset and in the KPI cards' (with 环比 against the previous period of equal length); one
    month gives that month's figures as before."""
    charts = {c["slice_name"]: c for c in dashboard_charts(admin, "pension-overview")}
    table_ds = int(charts["分区县养老保险指标（所选月份）"]["form_data"]["datasource"].split("__")[0])
    kpi_ds = int(charts["在职参保人数"]["form_data"]["datasource"].split("__")[0])
    months = [m for m, in sql_rows("select distinct month_start from official.rpt_pension_overview order by 1")]
    assert len(months) >= 3, months
    label = lambda d: d.strftime("%Y年%m月")   # noqa: E731

    def sql(period: list) -> dict:
        (inc, active, retired, contributors), = sql_rows(
            """select sum(contribution_income) / 10000.0, sum(insured_active) filter (where month_start = %s),
                      sum(insured_retired) filter (where month_start = %s), sum(contributors) filter (where month_start = %s)
                 from official.rpt_pension_overview where district_code <> '110000' and month_start = any(%s)""",
            period[-1], period[-1], period[-1], period)
        return {"contribution_income_wan": inc, "sum_insured_active": active, "sum_contributors": contributors,
                "dependency_ratio": Decimal(active) / Decimal(retired)}

    def close(got, want) -> bool:
        return want is None and got is None or abs(Decimal(str(got)) - Decimal(want)) <= Decimal("0.0001") * max(
            1, abs(Decimal(want)))

    metrics = ["contribution_income_wan", "sum_insured_active", "sum_contributors", "dependency_ratio"]
    last3, last2, last1 = months[-3:], months[-2:], months[-1:]
    for period in (last3, last1):
        want = sql(period)
        (row,) = chart_data(admin, table_ds, metrics, [label(m) for m in period])
        assert all(close(row[m], want[m]) for m in metrics), (period, row, want)
        # per district too (the district table groups by district: each district's own period end)
        per_district = chart_data(admin, table_ds, ["sum_insured_active"], [label(m) for m in period], ["district_code"])
        by_sql = dict(sql_rows("""select district_code, sum(insured_active) from official.rpt_pension_overview
                                   where district_code <> '110000' and month_start = %s group by 1""", period[-1]))
        assert {r["district_code"]: r["sum_insured_active"] for r in per_district} == by_sql
    if len(last3) == 3:   # the flow over three months is not the last month's (the test means something)
        assert sql(last3)["contribution_income_wan"] != sql(last1)["contribution_income_wan"]
    # KPI cards: value over the period, 环比 = the previous period of equal length (two months: the two before)
    kpi_metrics = [f"{m}__{s}" for m in ("sum_insured_active", "contribution_income_wan") for s in ("v", "pm")]
    (row,) = chart_data(admin, kpi_ds, kpi_metrics, [label(m) for m in last2])
    want, before = sql(last2), sql([m for m in months if m < last2[0]][-2:])
    for m in ("sum_insured_active", "contribution_income_wan"):
        assert close(row[f"{m}__v"], want[m]), (m, row, want)
        assert close(row[f"{m}__pm"], before[m]), (m, row, before)


# ---------------------------------------------------------------- a district user, every dashboard
def kpi_sql(dataset: str, metric_expr: str) -> dict:
    """{month label 'YYYY年MM月': value} of a metric expression over the district's rows of a table."""
    return {m.strftime("%Y年%m月"): v for m, v in sql_rows(
        f"select month_start, {metric_expr} from official.{dataset} "   # noqa: S608
        "where district_code = %s group by month_start", DISTRICT)}


# dashboards that superset/manage.py grants to leadership and analysts only (DASHBOARD_ROLES without 'district')
NOT_FOR_DISTRICTS = {OPS_SLUG, *re.findall(r'^\s+"([a-z0-9-]+)": \((?![^)]*"district")[^)]*\)',
                                           (ROOT / "superset" / "manage.py").read_text(encoding="utf-8"), re.M)}


@pytest.mark.parametrize("dash", [d for d in DASHBOARDS if d["slug"] not in NOT_FOR_DISTRICTS],
                         ids=lambda d: d["slug"])
def test_district_user_gets_only_own_rows_on_every_dashboard(district, dash):
    charts = dashboard_charts(district, dash["slug"])
    assert len(charts) == len(dash["charts"]), [c["slice_name"] for c in charts]
    checked_rows = checked_kpis = 0
    for c in charts:
        r = district.get(f"/api/v1/chart/{c['id']}/data/?format=json")
        assert r.status_code == 200, f"{c['slice_name']}: {r.status_code} {r.text[:300]}"
        rows = [row for res in r.json()["result"] for row in res["data"]]
        for row in rows:
            if "district_code" in row:
                assert row["district_code"] == DISTRICT, (c["slice_name"], row)
                checked_rows += 1
            if "district_name" in row:
                assert row["district_name"] == DISTRICT_NAME, (c["slice_name"], row)
                checked_rows += 1
        own_filters = [f for f in c["form_data"].get("adhoc_filters") or [] if f.get("subject") != "district_code"]
        if c["form_data"].get("export_metrics") and rows and "month_label" in rows[0] and not own_filters:
            # a KPI card (no filter of its own): its figures by month = SQL over the district's rows
            metric = next(m for m in c["form_data"]["export_metrics"] if m.endswith("__v"))
            ds = district.get(f"/api/v1/dataset/{c['form_data']['datasource'].split('__')[0]}").json()["result"]
            expr = next(m["expression"] for m in ds["metrics"] if m["metric_name"] == metric)
            table = re.search(r"from official\.(\w+) [cr] ", ds["sql"]).group(1)   # r: a map dataset (mart + outline)
            if not any(col["column_name"] == "district_code" for col in ds["columns"]):
                continue
            expected = kpi_sql(table, expr)
            for row in rows:
                got, want = row[metric], expected[row["month_label"]]
                assert (got is None and want is None) or abs(Decimal(str(got)) - Decimal(want)) <= Decimal("0.0001") \
                    * max(1, abs(Decimal(want))), (c["slice_name"], row["month_label"], got, want)
                checked_kpis += 1
    # a dashboard of city-wide figures only (no district column anywhere) has nothing to check row by row
    has_districts = any("district" in json.dumps(c["form_data"].get("groupby") or []) + json.dumps(
        c["form_data"].get("x_axis") or "") for c in charts)
    assert checked_rows + checked_kpis > 0 or not has_districts, f"{dash['slug']}: nothing checked"


# ---------------------------------------------------------------- print / PDF
def _export_pdf(page):
    """⋯ → 下载 → 导出为PDF, and the download it gives. Ant Design closes the submenu when the pointer slides off it
    (CI once saw the item resolve, then vanish for 60 s), and under load a click on the item was once taken without
    an export following (a fresh-clone run waited 120 s for a download that never came; alone the test passes in
    17 s). A user reopens the menu and clicks again, so the test does too, three times; a download that an earlier
    click started is caught by the next wait."""
    for attempt in range(3):
        try:
            with page.expect_download(timeout=45_000) as dl:
                page.locator('[data-test="actions-trigger"]').first.click()
                page.get_by_text("下载", exact=True).first.hover()
                page.get_by_text("下载", exact=True).first.click()
                page.get_by_text("导出为PDF", exact=True).first.click(timeout=15_000)
            return dl.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            page.mouse.move(0, 0)


def test_dashboard_exports_to_pdf(page, superset_url):
    """The dashboard's ⋯ → 下载 → 导出为PDF gives a PDF file (Superset renders it in the browser)."""
    dash = next(d for d in DASHBOARDS if d["slug"] == "unemployment-overview")
    page.goto(f"{superset_url}/superset/dashboard/{dash['slug']}/")
    wait_for_charts(page, len(dash["charts"]))
    download = _export_pdf(page)
    with open(download.path(), "rb") as f:
        head = f.read(5)
    assert head == b"%PDF-", head
    assert download.suggested_filename.lower().endswith(".pdf"), download.suggested_filename
