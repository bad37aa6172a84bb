"""名单比对 in headless Chromium: upload a list on the portal page, follow the progress to the summary, review the
待复核 band (accept one, reject one), download the result and find the decisions in it."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest

from foundation import settings
from listmatch import store, testlist

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal_url(server_url):
    res = subprocess.run([sys.executable, "-m", "portal.serve", "start"], cwd=settings.ROOT, capture_output=True,
                         text=True, timeout=300)
    if res.returncode != 0:
        pytest.fail(f"portal did not start:\n{res.stdout}\n{res.stderr}")
    return f"http://127.0.0.1:{os.environ.get('PORTAL_PORT', '8090')}"


@pytest.fixture(scope="module")
def upload(tmp_path_factory):
    with store.connect() as c:
        dist = dict(c.execute("select code, name from codes.code_district"))
        pop = [(a, b, d, dist.get(e)) for a, b, d, e in c.execute(
            "select id_number, person_name, birth_date, district_code from intermediate.int_identity__natural_person "
            "where id_is_valid and birth_date is not null order by id_number limit 3000")]
    rows, _, _ = testlist.person_rows(pop, 120, seed=21)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "出生日期", "区"])
    for r in rows:
        ws.append(r)
    p = tmp_path_factory.mktemp("lm") / "核查名单.xlsx"
    wb.save(p)
    return p, rows


def test_upload_review_download(browser, portal_url, upload, tmp_path):
    path, rows = upload
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pw = json.loads((settings.SECRETS / "portal_users.json").read_text())["analyst"]
    pg.goto(f"{portal_url}/listmatch")
    pg.fill("input[name=username]", "analyst")
    pg.fill("input[name=password]", pw)
    pg.click("button[type=submit]")
    pg.wait_for_url(lambda u: u.endswith("/listmatch"))
    # a refused file first: the message names the problem, nothing is started
    bad = tmp_path / "坏.csv"
    bad.write_bytes("编号,备注\n1,x\n".encode("utf-8"))
    pg.set_input_files("#lm-file", str(bad))
    pg.click("#lm-submit")
    pg.wait_for_selector("#lm-error")
    assert "缺少必需的列" in pg.inner_text("#lm-error") and "第 1 行" in pg.inner_text("#lm-error")
    # the real list
    pg.set_input_files("#lm-file", str(path))
    pg.check("input[name=returns][value=hukou_district]")
    pg.click("#lm-submit")
    pg.wait_for_url(lambda u: "/listmatch/jobs/" in u)
    pg.wait_for_selector("#lm-summary")                 # the page polls until the job is done, then reloads
    cells = pg.eval_on_selector_all("#lm-summary tr:nth-child(2) td", "els => els.map(e => e.textContent.trim())")
    assert cells[0] == "人员" and int(cells[1]) == len(rows) and int(cells[2]) > 0 and int(cells[3]) >= 2
    pg.click("#lm-review")
    pg.wait_for_selector("#lm-review-table")
    trs = pg.locator("#lm-review-table tr[data-row]")
    assert trs.count() >= 2
    first, second = trs.nth(0), trs.nth(1)
    row1, row2 = int(first.get_attribute("data-row")), int(second.get_attribute("data-row"))
    first.locator(".lm-accept").click()
    first.locator(".lm-done").wait_for()
    second.locator(".lm-reject").click()
    second.locator(".lm-done").wait_for()
    pg.reload()                                          # the decisions are kept, with who decided
    assert "已接受(portal:analyst" in pg.locator(f"#lm-review-table tr[data-row='{row1}'] .lm-decision").inner_text()
    assert "已拒绝(portal:analyst" in pg.locator(f"#lm-review-table tr[data-row='{row2}'] .lm-decision").inner_text()
    with pg.expect_download() as dl:
        pg.click("text=下载结果 XLSX")
    data = open(dl.value.path(), "rb").read()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    res = list(wb["比对结果"].iter_rows(values_only=True))
    head = list(res[0])
    assert len(res) == len(rows) + 1 and "户籍区" in head
    st, rv, idc = head.index("人员匹配状态"), head.index("人员复核结论"), head.index("匹配身份证号")
    assert res[row1 - 1][st] == "确定" and res[row1 - 1][rv].startswith("接受(portal:analyst")
    assert res[row2 - 1][st] == "未匹配" and res[row2 - 1][rv].startswith("拒绝(portal:analyst")
    assert all("*" in (r[idc] or "*") for r in res[1:])          # analyst: identifiers masked
    assert [r[0] for r in res[1:6]] == [rows[i][0] or None for i in range(5)] or \
        [(r[0] or "").strip() for r in res[1:6]] == [rows[i][0].strip() for i in range(5)]
    ctx.close()
