"""The portal in headless Chromium: log in, select indicators, regions, periods and a method in the free
combination page, check the table against the engine applied to the stored values, download the XLSX and
read it back; the 监测月报 opens as HTML and PDF."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from foundation import settings
from history import engine, store

ROOT = settings.ROOT


@pytest.fixture(scope="module")
def portal_url(server_url):
    res = subprocess.run([sys.executable, "-m", "portal.serve", "start"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    if res.returncode != 0:
        pytest.fail(f"portal did not start:\n{res.stdout}\n{res.stderr}")
    return f"http://127.0.0.1:{os.environ.get('PORTAL_PORT', '8090')}"


@pytest.fixture(scope="module")
def portal_page(browser, portal_url):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1200}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pw = json.loads((settings.SECRETS / "portal_users.json").read_text())["analyst"]
    pg.goto(f"{portal_url}/query")
    assert "/login" in pg.url                       # not logged in → the login page
    pg.fill("input[name=username]", "analyst")
    pg.fill("input[name=password]", pw)
    pg.click("button[type=submit]")
    pg.wait_for_url(lambda u: "/query" in u)
    yield pg
    ctx.close()


def test_free_combination_table_matches_engine_and_xlsx_downloads(portal_page, portal_url, tmp_path):
    pg = portal_page
    with store.connect() as conn:
        months = [r[0] for r in conn.execute(
            "select distinct period from history.observation where indicator_code = 'wh_pension_insured' "
            "and region_code = '110000' order by 1 desc limit 3")]
    assert len(months) >= 2, "the demo drop has at least two months"
    pg.select_option("#indicators", ["wh_pension_insured", "wh_arb_closure_rate"])
    pg.select_option("#regions", ["110000", "110105"])
    pg.check("input[name=ptype][value=latest]")
    pg.fill("#latest", str(len(months)))
    pg.select_option("select[name='method-wh_pension_insured']", "pop")
    pg.select_option("select[name='method-wh_arb_closure_rate']", "pop_pp")
    pg.click("#run")
    pg.wait_for_selector("#result-table")
    cells = pg.eval_on_selector_all(
        "#result-table td[data-value]",
        "els => els.map(e => [e.dataset.indicator, e.dataset.region, e.dataset.period, parseFloat(e.dataset.value), e.title, e.textContent])")
    assert cells, "the result table has values"
    with store.connect() as conn:
        obs = store.read(conn, ["wh_pension_insured", "wh_arb_closure_rate"], ["110000", "110105"])
    val = {(o["indicator"], o["region"], o["period"]): float(o["value"]) for o in obs if o["value"] is not None}
    checked = 0
    for ind, reg, per, v, title, text in cells:
        prev = val[(ind, reg, engine.shift(per, -1))]
        cur = val[(ind, reg, per)]
        expect = engine.pp_difference(cur, prev).value if ind == "wh_arb_closure_rate" else (cur - prev) / prev * 100
        assert v == pytest.approx(expect, rel=1e-12, abs=1e-12), (ind, reg, per)
        assert text.strip().replace(",", "") == f"{engine.round_half_up(expect, 2):.2f}"
        assert ("百分点" if ind == "wh_arb_closure_rate" else "环比增长率") in title       # formula on the cell
        checked += 1
    assert checked == 2 * 2 * (len(months) - 1)        # the first month has no previous month in the data
    # the oldest month is refused with a reason, not left blank silently
    refused = pg.eval_on_selector_all("#result-table td.refused", "els => els.map(e => e.title)")
    assert refused and all("缺少对比期" in t for t in refused)
    assert pg.locator("svg.chart").count() == 1
    with pg.expect_download() as dl:
        pg.click("#x-xlsx")
    path = tmp_path / "q.xlsx"
    dl.value.save_as(path)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["查询结果"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "指标(单位)")
    assert header[1] == "地区" and list(header[2:]) == sorted({c[2] for c in cells} | set(months[-1:]))
    body = {(r[0], r[1]): r[2:] for r in rows if r[0] and "企业职工养老保险参保人数" in str(r[0])}
    bj = body[next(k for k in body if k[1] == "北京市")]
    per_idx = {p: i for i, p in enumerate(header[2:])}
    for ind, reg, per, v, *_ in cells:
        if ind == "wh_pension_insured" and reg == "110000":
            assert bj[per_idx[per]] == pytest.approx(round(v, 2))
    assert any(str(r[0]).startswith("资料来源") for r in rows)
    assert "计算明细" in wb.sheetnames


def test_monthly_report_opens_as_html_and_pdf(portal_page, portal_url):
    pg = portal_page
    with store.connect() as conn:
        n = conn.execute("select count(*) from history.report").fetchone()[0]
    if n == 0:
        from history import report

        with store.connect() as conn:
            month = conn.execute("select max(data_month) from history.load where kind = 'warehouse'").fetchone()[0]
        report.generate(month or "202501", log=lambda *_: None)
    pg.goto(f"{portal_url}/reports")
    link = pg.locator("a", has_text="HTML").first
    href = link.get_attribute("href")
    pg.goto(portal_url + href)
    assert "监测月报" in pg.title()
    assert pg.locator("li", has_text="全市企业职工养老保险参保人数").count() == 1
    r = pg.request.get(portal_url + href.replace("/html", "/pdf"))
    assert r.status == 200 and r.body()[:5] == b"%PDF-"


def test_import_page_names_errors_and_previews(browser, portal_url, tmp_path):
    """A data administrator uploads a bad CSV (errors by row, column and rule, nothing imported), then a file
    that repeats a stored value (preview: unchanged) and commits it (no new vintage)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pw = json.loads((settings.SECRETS / "portal_users.json").read_text())["data_admin"]
    pg.goto(f"{portal_url}/login?next=/import")
    pg.fill("input[name=username]", "data_admin")
    pg.fill("input[name=password]", pw)
    pg.click("button[type=submit]")
    pg.wait_for_url(lambda u: "/import" in u)
    with store.connect() as conn:
        before = conn.execute("select count(*) from history.observation").fetchone()[0]
        cur = store.read(conn, ["ins_pension_ent"], ["110000"], "2021", "2021")[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("指标代码,地区代码,期别,数值,单位\nins_pension_ent,110000,2021-13,1,万人\nnope,110000,2021,1,万人\n",
                   encoding="utf-8")
    pg.set_input_files("#file", str(bad))
    pg.click("text=上传并校验")
    pg.wait_for_selector("#errors")
    rows = pg.eval_on_selector_all("#errors tr", "els => els.slice(1).map(e => Array.from(e.cells).map(c => c.textContent))")
    assert rows == [["工作表 CSV 第 2 行", "期别", "期别格式", rows[0][3]], ["工作表 CSV 第 3 行", "指标代码", "指标代码", rows[1][3]]]
    assert "未导入任何数据" in pg.inner_text("#preview")
    good = tmp_path / "good.csv"
    good.write_text(f"指标代码,地区代码,期别,数值,单位\nins_pension_ent,110000,2021,{float(cur['value'])},万人\n", encoding="utf-8")
    pg.set_input_files("#file", str(good))
    pg.click("text=上传并校验")
    pg.wait_for_selector("#commit")
    assert "未变 1" in pg.inner_text("#preview")
    pg.click("#commit")
    pg.wait_for_selector("text=已提交")
    with store.connect() as conn:
        assert conn.execute("select count(*) from history.observation").fetchone()[0] == before
    ctx.close()
