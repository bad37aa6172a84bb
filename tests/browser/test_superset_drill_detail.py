"""Drill to detail (查看明细) on person-level rows, in the real Superset: masked, and cut to the user's district.

The dashboard 区县宏观：稽核疑点明细 (superset/specs/145_audit_detail.py) counts the rows of
official.rpt_dmp_audit_suspect_detail, one row per audit / internal-control suspicion, whose 公民身份号码 and 姓名 are
masked in the table at build (warehouse/macros/masking.sql). Proven here, as the demo users of access/model.yaml:

* in headless Chromium, a district user right-clicks a bar → 钻取详情 (drill to detail): the window lists exactly the
  suspicions of its district behind the bar, with masked identifiers only (the rows Superset's samples endpoint
  answered the page with), screenshot var/screenshots/drill_detail_district_110105.png;
* through the samples endpoint the drill uses, a district user gets every row of its district and no other, even when
  it asks for another district's rows; an analyst gets every district; identifiers are masked for both, and no
  column holds a clear identifier; leadership (no drill-through right) is refused and does not get the dashboard.
"""
from __future__ import annotations

import json
import re

import psycopg
import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from foundation import settings

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SLUG = "dmp-audit-detail"
TABLE = "rpt_dmp_audit_suspect_detail"
DISTRICT, DISTRICT_NAME, OTHER = "110105", "朝阳区", "110108"
MASKED_ID = re.compile(r"[0-9]{6}\*+[0-9X]{4}|\*+")
MASKED_NAME = re.compile(r".\*+")
CLEAR_ID = re.compile(r"(?<![0-9*])[0-9]{17}[0-9X](?![0-9*])")
IDENTIFIER_COLUMNS = {"id_number", "person_name", "person_id"}


def passwords() -> dict[str, str]:
    return json.loads((settings.SECRETS / "superset_users.json").read_text(encoding="utf-8"))


def web_session(base: str, username: str) -> requests.Session:
    """A browser-like session (the form login's cookie: the samples endpoint is a web view, not the JWT API)."""
    s = requests.Session()
    html = s.get(base + "/login/", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    r = s.post(base + "/login/", data={"username": username, "password": passwords()[username],
                                      "csrf_token": token.group(1) if token else ""}, timeout=60)
    assert r.ok and "/login" not in r.url, f"login {username}: {r.status_code} {r.url}"
    s.headers["X-CSRFToken"] = s.get(base + "/api/v1/security/csrf_token/", timeout=60).json()["result"]
    s.headers["Referer"] = base
    return s


@pytest.fixture(scope="module")
def sessions(superset_url) -> dict[str, requests.Session]:
    return {u: web_session(superset_url, u) for u in ("district_110105", "analyst", "leader")}


def dataset_ids(s: requests.Session, base: str) -> dict[str, int]:
    r = s.get(base + "/api/v1/dataset/?q=(page_size:100)", timeout=60)
    assert r.ok, r.text[:300]
    return {x["table_name"]: x["id"] for x in r.json()["result"]}


def detail_id() -> int:
    """The dataset's id, read as admin would (the metadata database), for the user who may not list it."""
    import sqlite3

    con = sqlite3.connect(f"file:{settings.VAR / 'superset' / 'superset.db'}?mode=ro", uri=True)
    try:
        return con.execute("select id from tables where table_name = ?", (TABLE,)).fetchone()[0]
    finally:
        con.close()


def samples(s: requests.Session, base: str, ds: int, filters=(), per_page: int = 10000):
    """What Superset's drill-to-detail window asks for (POST /datasource/samples)."""
    return s.post(f"{base}/datasource/samples?datasource_id={ds}&datasource_type=table&per_page={per_page}&page=1",
                  json={"filters": list(filters)}, timeout=120)


def sql_rows(where: str = "true", *params) -> list[tuple]:
    with psycopg.connect(settings.warehouse_url()) as conn:
        return conn.execute(f"select suspect_id, month_key, district_code from official.{TABLE} where {where}",  # noqa: S608
                            params).fetchall()


def assert_masked(result: dict) -> None:
    assert not IDENTIFIER_COLUMNS & set(result["colnames"]), result["colnames"]
    for row in result["data"]:
        assert MASKED_ID.fullmatch(row["id_number_masked"] or "*"), row
        assert MASKED_NAME.fullmatch(row["person_name_masked"] or "x*"), row
        assert not CLEAR_ID.search(json.dumps(row, ensure_ascii=False, default=str)), row


def test_district_drill_sees_only_its_district_masked(sessions, superset_url):
    s = sessions["district_110105"]
    ids = dataset_ids(s, superset_url)
    assert TABLE in ids, "the district user does not get the detail dataset"
    r = samples(s, superset_url, ids[TABLE])
    assert r.ok, r.text[:500]
    result = r.json()["result"]
    want = sql_rows("district_code = %s", DISTRICT)
    assert want, "the test drop has no suspicion in 朝阳区: nothing to drill"
    got = {(x["suspect_id"], x["month_key"], x["district_code"]) for x in result["data"]}
    assert got == set(want) and result["total_count"] == len(want)
    assert_masked(result)
    # asking for another district's rows (the filter a drill sends) finds none
    other = samples(s, superset_url, ids[TABLE], [{"col": "district_code", "op": "==", "val": OTHER}])
    assert other.ok and other.json()["result"]["data"] == [] and other.json()["result"]["total_count"] == 0
    assert sql_rows("district_code = %s", OTHER), "海淀区 has no suspicion in the test drop: the probe proves nothing"


def test_analyst_drill_sees_every_district_masked(sessions, superset_url):
    s = sessions["analyst"]
    r = samples(s, superset_url, dataset_ids(s, superset_url)[TABLE])
    assert r.ok, r.text[:500]
    result = r.json()["result"]
    want = sql_rows()
    assert {(x["suspect_id"], x["month_key"], x["district_code"]) for x in result["data"]} == set(want)
    assert len({w[2] for w in want}) > 1
    assert_masked(result)


def test_leadership_cannot_drill_person_rows(sessions, superset_url):
    s = sessions["leader"]
    assert TABLE not in dataset_ids(s, superset_url)
    r = samples(s, superset_url, detail_id())
    assert r.status_code in (401, 403, 404), f"leadership drilled person-level rows: {r.status_code} {r.text[:300]}"
    slugs = [d["slug"] for d in s.get(superset_url + "/api/v1/dashboard/?q=(page_size:100)", timeout=60).json()["result"]]
    assert SLUG not in slugs and "dmp-audit" in slugs


def test_district_user_drills_to_detail_in_the_browser(browser, superset_url, sessions):
    """Right-click the first bar of 各规则疑点数 → 钻取详情： <rule> → the window shows the suspicions behind it."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1400}, locale="zh-CN", timezone_id="Asia/Shanghai")
    # the district user's login session (the form login of the `sessions` fixture), not a second login page
    ctx.add_cookies([{"name": c.name, "value": c.value, "url": superset_url}
                     for c in sessions["district_110105"].cookies])
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    answers: list = []
    page.on("response", lambda r: answers.append(r) if "/datasource/samples" in r.url else None)
    try:
        page.goto(f"{superset_url}/superset/dashboard/{SLUG}/")
        chart = page.locator('[data-test-viz-type="echarts_timeseries_bar"]').first
        chart.locator("canvas").first.wait_for()
        page.wait_for_timeout(1500)   # the bars' animation
        # the first bar's centre, from the chart's ECharts instance (horizontal bars: category on the y axis)
        box = chart.locator("canvas").first.bounding_box()
        centre = page.evaluate(BAR_CENTRE_JS)
        assert centre, "no bar drawn in 各规则疑点数"
        page.mouse.click(box["x"] + centre[0], box["y"] + centre[1], button="right")
        by_rule = page.locator(".ant-dropdown-menu-submenu-popup:visible li").first
        for attempt in range(3):   # the submenu opens on hover and may close while the pointer travels to it
            page.get_by_text("钻取详情：", exact=True).hover()
            try:
                label = by_rule.inner_text(timeout=10_000)
                with page.expect_response(lambda r: "/datasource/samples" in r.url, timeout=20_000):
                    by_rule.click(timeout=10_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        dialog = page.locator('[role="dialog"]').filter(has_text="钻取详情")
        dialog.get_by_text(DISTRICT_NAME).first.wait_for()
        page.wait_for_timeout(500)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "drill_detail_district_110105.png"))
        text = dialog.inner_text()
        assert not CLEAR_ID.search(text), text
        result = answers[-1].json()["result"]
        rule = label.split("：", 1)[1].strip()
        want = sql_rows("district_code = %s and rule_name = %s and month_key = "
                        f"(select max(month_key) from official.{TABLE})", DISTRICT, rule)
        assert {(x["suspect_id"], x["month_key"], x["district_code"]) for x in result["data"]} == set(want), label
        assert_masked(result)
        assert f"{len(want)} 行" in text, text[:300]
    finally:
        ctx.close()


# Runs in the page: the pixel centre (relative to the canvas) of the first bar of the first bar chart, through the
# chart's ECharts instance (found from the React component that holds it, as test_superset_bundle does).
BAR_CENTRE_JS = r"""
() => {
  const el = document.querySelector('[data-test-viz-type="echarts_timeseries_bar"] [_echarts_instance_]');
  const key = el && Object.keys(el).find(k => k.startsWith('__reactFiber'));
  let fiber = key ? el[key] : null, inst = null;
  for (let i = 0; fiber && i < 40 && !inst; i++, fiber = fiber.return) {
    for (let h = fiber.memoizedState, j = 0; h && j < 30 && !inst; j++, h = h.next) {
      const v = h.memoizedState && h.memoizedState.current;
      if (v && typeof v.getModel === 'function' && typeof v.getOption === 'function') inst = v;
    }
  }
  if (!inst) return null;
  const layout = inst.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
  return layout ? [layout.x + layout.width / 2, layout.y + layout.height / 2] : null;
}
"""
