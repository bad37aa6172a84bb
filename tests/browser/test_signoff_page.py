"""The portal's 审核确认 page, 前言 and 固定报表 in headless Chromium: a department rejects one of its modules with a
reason and confirms it again (the table, the status line and audit.signoff follow), the sign-off sheet downloads
as XLSX; the landing page lists every dashboard of the bundle and the official month; a district user sees only
its own district's official fixed reports, and the download equals the mart."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import psycopg
import pytest
from openpyxl import load_workbook

from foundation import settings, signoff

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal_url(server_url):
    res = subprocess.run([sys.executable, "-m", "portal.serve", "start"], cwd=settings.ROOT, capture_output=True,
                         text=True, timeout=300)
    if res.returncode != 0:
        pytest.fail(f"portal did not start:\n{res.stdout}\n{res.stderr}")
    return f"http://127.0.0.1:{os.environ.get('PORTAL_PORT', '8090')}"


def _login(browser, portal_url, name, start):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pw = json.loads((settings.SECRETS / "portal_users.json").read_text())[name]
    pg.goto(f"{portal_url}{start}")
    pg.fill("input[name=username]", name)
    pg.fill("input[name=password]", pw)
    pg.click("button[type=submit]")
    pg.wait_for_url(lambda u: start.split("?")[0] in u and "/login" not in u)
    return ctx, pg


def _decision(server_url, module):
    with psycopg.connect(server_url) as c:
        return signoff.state(c)["modules"][module]["decision"]


def test_department_rejects_then_confirms_and_prints_the_sheet(browser, portal_url, server_url, tmp_path):
    ctx, pg = _login(browser, portal_url, "dept_labour_relations", "/signoff")
    try:
        assert pg.locator("#signoff-table tr[data-module]").count() == len(signoff.MODULES)
        pg.uncheck("input[name=module][value=arbitration]")
        pg.uncheck("input[name=module][value=petition]")
        pg.fill("input[name=signer_name]", "李四")
        pg.fill("input[name=comment]", "12333 接通率与呼叫中心日报不符")
        pg.click("button[value=reject]")
        pg.wait_for_selector("#signoff-done")
        row = pg.locator("#signoff-table tr[data-module=hotline]")
        assert "驳回" in row.inner_text() and "李四" in row.inner_text()
        assert "未完成" in pg.inner_text("#signoff-status")
        d = _decision(server_url, "hotline")
        assert d["decision"] == "rejected" and d["signed_by"] == "dept_labour_relations" and not d["demo"]
        # a rejection without a reason is refused with the rule named
        pg.fill("input[name=signer_name]", "李四")
        pg.click("button[value=reject]")
        assert "驳回须说明原因" in pg.inner_text(".error")
        # corrected: all three modules confirmed again
        pg.fill("input[name=signer_name]", "李四")
        pg.fill("input[name=comment]", "已核对")
        pg.click("button[value=confirm]")
        pg.wait_for_selector("#signoff-done")
        assert "确认" in pg.locator("#signoff-table tr[data-module=hotline]").inner_text()
        assert _decision(server_url, "hotline")["decision"] == "confirmed"
        with pg.expect_download() as dl:
            pg.click("a[href='/signoff/sheet.xlsx']")
        path = tmp_path / "sheet.xlsx"
        dl.value.save_as(path)
        ws = load_workbook(path).active
        assert ws["A1"].value == "数据仓库月度审核确认单"
        cells = [c.value for r in ws.iter_rows() for c in r]
        assert "劳动关系处" in cells and "12333 电话咨询" in cells and any("李四" in str(v) for v in cells)
    finally:
        ctx.close()


def test_landing_page_lists_every_dashboard_and_the_official_month(browser, portal_url, server_url):
    import yaml

    slugs = {yaml.safe_load(p.read_text(encoding="utf-8")).get("slug")
             for p in (settings.ROOT / "superset" / "dashboards" / "dashboards").glob("*.yaml")}
    with psycopg.connect(server_url) as c:
        month = c.execute("select data_month from official.release_info").fetchone()[0]
    pg = browser.new_page()
    try:
        pg.goto(f"{portal_url}/intro")                 # no login needed
        hrefs = pg.eval_on_selector_all("#dashboards a", "els => els.map(e => e.getAttribute('href'))")
        assert {h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs} == slugs - {None}
        assert f"{month[:4]}年{int(month[4:])}月" in pg.inner_text("#asof")
        assert pg.locator("#calendar tr").count() > 5
    finally:
        pg.close()


def test_district_user_sees_only_its_official_fixed_reports(browser, portal_url, server_url, tmp_path):
    ctx, pg = _login(browser, portal_url, "district_110105", "/fixed-reports")
    try:
        heads = pg.eval_on_selector_all("#fixed-reports tr:first-child th", "els => els.map(e => e.innerText)")
        assert heads[2:] == ["朝阳区"]
        r = pg.request.get(f"{portal_url}/fixed-reports/latest/official/collection.xlsx?district=110000")
        assert r.status == 403
        r = pg.request.get(f"{portal_url}/fixed-reports/latest/review/collection.xlsx?district=110105")
        assert r.status == 403
        r = pg.request.get(f"{portal_url}/fixed-reports/latest/official/collection.xlsx?district=110105")
        assert r.status == 200
        path = tmp_path / "c.xlsx"
        path.write_bytes(r.body())
        ws = load_workbook(path).active
        col = next(c for c in range(2, ws.max_column + 1) if ws.cell(5, c).value == "本月")
        ytd_row = next(r for r in range(6, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("本年累计"))
        with psycopg.connect(server_url) as c:
            month = int(c.execute("select data_month from official.release_info").fetchone()[0])
            want = c.execute("select sum(total_collection) from official.rpt_dmp_collection_fixed_report "
                             "where district_code = '110105' and month_key > %s and month_key <= %s",
                             (month // 100 * 100, month)).fetchone()[0]
        assert Decimal(str(ws.cell(ytd_row, col).value)).quantize(Decimal("0.01")) == want
    finally:
        ctx.close()
