"""History database on the real PostgreSQL of the built and published warehouse (make build publish):
vintages and "as of" reads, import refusals and commits with a change log, the publish → history
reconciliation with the rpt_* marts, the 监测月报's figures against the marts and the portal's API, and the
portal's access rules. Tests that write do it in a transaction that is rolled back."""
from __future__ import annotations

import io
import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import psycopg
import pytest

from history import imports, load, query, report, store
from tests.integration.official_release import require_official


@pytest.fixture(scope="module")
def ready(server_url):
    with psycopg.connect(server_url) as conn:
        require_official(conn, "rpt_pension_overview")
        store.sync_catalogue(conn)
        load.load_published(conn, log=lambda *_: None)
        load.load_warehouse(conn, log=lambda *_: None)
    return server_url


@pytest.fixture()
def tx(ready):
    """A connection whose work is rolled back at the end of the test."""
    conn = psycopg.connect(ready)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=timezone.utc)


def test_revision_adds_a_vintage_and_asof_reads_the_old_value(tx):
    lid = store.start_load(tx, "test")
    key = {"indicator": "gdp", "region": "110000", "period": "1999", "freq": "Y"}
    c1 = store.write_vintage(tx, [{**key, "value": 100.0}], lid, known_from=_t("2000-01-01"))
    c2 = store.write_vintage(tx, [{**key, "value": 105.5}], lid, known_from=_t("2000-02-01"))
    c3 = store.write_vintage(tx, [{**key, "value": 105.5}], lid, known_from=_t("2000-03-01"))
    assert (c1["new"], c2["revised"], c3["unchanged"]) == (1, 1, 1)
    rows = tx.execute("select value, revised from history.observation where indicator_code = 'gdp' and "
                      "region_code = '110000' and period = '1999' order by known_from").fetchall()
    assert rows == [(Decimal("100.0"), False), (Decimal("105.5"), True)]     # never overwritten
    read = lambda asof: [float(o["value"]) for o in store.read(tx, ["gdp"], ["110000"], "1999", "1999", asof=asof)]
    assert read(_t("1999-12-31")) == []
    assert read(_t("2000-01-15")) == [100.0]
    assert read(_t("2000-02-15")) == [105.5]
    assert read(None) == [105.5]
    log = tx.execute("select old_value, new_value from history.change_log where load_id = %s order by change_id",
                     (lid,)).fetchall()
    assert log == [(None, Decimal("100.0")), (Decimal("100.0"), Decimal("105.5"))]
    # the free-combination query honours asof as well
    spec = {"indicators": ["gdp"], "regions": ["110000"], "periods": {"from": "1999", "to": "1999"}, "freq": "Y"}
    old = query.run(tx, {**spec, "asof": "2000-01-20T00:00:00+00:00"}, use_cache=False)
    assert [c["value"] for c in old["cells"]] == [100.0]
    assert [c["value"] for c in query.run(tx, spec, use_cache=False)["cells"]] == [105.5]


def test_large_query_path_equals_the_exact_path(tx, monkeypatch):
    """Queries above EXPLAIN_LIMIT read history.series_current (kept by write_vintage); same values and refusals."""
    lid = store.start_load(tx, "test")
    store.write_vintage(tx, [{"indicator": "wh_pension_insured", "region": "110105", "period": "2024-10", "freq": "M",
                              "value": 1234, "footnote": "测试", "provisional": True}], lid)
    spec = {"indicators": ["wh_pension_insured", "wh_arb_closure_rate", "wh_registered_unemp_rate"],
            "regions": ["110000", "110105", "110108"], "periods": {"latest": 4}, "freq": "M",
            "methods": {"wh_pension_insured": "pop", "wh_arb_closure_rate": "pop_pp"}}
    exact = query.run(tx, spec, use_cache=False)["cells"]
    monkeypatch.setattr(query, "EXPLAIN_LIMIT", 0)
    fast = query.run(tx, spec, use_cache=False)
    assert not fast["explained"]
    strip = lambda cs: [(c["indicator"], c["region"], c["period"], c["value"], c["refused"], c["footnote"]) for c in cs]
    assert strip(fast["cells"]) == strip(exact)
    assert any(c["value"] is not None for c in exact) and any(c["footnote"] == "测试" for c in exact)
    # the flags too (PostgreSQL's | and << have equal precedence: unparenthesised, every flag came out as bit 64)
    flags = lambda cs: {(c["region"], c["period"]): tuple(c["flags"]) for c in cs if c["indicator"] == "wh_pension_insured"}
    assert flags(fast["cells"]) == flags(exact) and "provisional" in flags(exact)[("110105", "2024-10")]


def _xlsx(rows, header=imports.COLUMNS, sheet="数据") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _count(conn) -> int:
    return conn.execute("select count(*) from history.observation").fetchone()[0]


def test_import_refusals_name_sheet_row_column_rule_and_import_nothing(tx):
    before = _count(tx)
    data = _xlsx([
        ["ins_pension_ent", "110000", "2019", 1650.2, "万人", "", "", "公报"],           # 2: fine
        ["no_such_code", "110000", "2019", 1, "万人", "", "", ""],                      # 3: code
        ["ins_pension_ent", "110000", "2019-05", 1, "万人", "", "", ""],                # 4: period format (yearly)
        ["ins_pension_ent", "110000", "2019", 1650.2, "万人", "", "", ""],              # 5: duplicate of row 2
        ["ins_pension_ent", "110000", "2020", "abc", "万人", "", "", ""],               # 6: not a number
        ["ins_pension_ent", "110000", "2022", 1700, "千克", "", "", ""],                # 7: unit
        ["ins_pension_ent", "110105", "2022", 10, "万人", "", "", ""],                  # 8: region not covered
        ["wh_pension_insured", "110105", "2023-01", -5, "人", "", "", ""],              # 9: negative stock
        ["wh_pension_insured", "110105", "2023-02", 5, "人", "未知", "", ""],           # 10: flag
        ["ins_pension_ent", "110000", "2099", 1, "万人", "", "", ""],                   # 11: future
        ["wh_arb_closure_rate", "110105", "2023-01", 130, "%", "", "", ""],             # 12: range
        ["wh_unemp_insured", "110105", "2023-01", 10, "人", "", "", ""],                # 13 + 14: gap
        ["wh_unemp_insured", "110105", "2023-03", 10, "人", "", "", ""],
    ])
    res = imports.validate(tx, "bad.xlsx", data, today=date(2026, 12, 1))
    got = {(e["row"], e["column"], e["rule"]) for e in res["errors"]}
    assert got == {(3, "指标代码", "指标代码"), (4, "期别", "期别格式"), (5, "期别", "重复"), (6, "数值", "数值类型"),
                   (7, "单位", "单位"), (8, "地区代码", "地区范围"), (9, "数值", "取值范围"), (10, "标志", "标志"),
                   (11, "期别", "期别"), (12, "数值", "取值范围"), (14, "期别", "缺期")}, res["errors"]
    assert all(e["sheet"] == "数据" and e["where"].startswith("工作表 数据 第") for e in res["errors"])
    assert res["rows"] == []
    assert _count(tx) == before
    # a header without the required columns, and a file that is not a workbook
    res = imports.validate(tx, "h.xlsx", _xlsx([["x"]], header=["代码", "值"]))
    assert res["errors"][0]["rule"] == "表头" and "指标代码" in res["errors"][0]["column"]
    res = imports.validate(tx, "broken.xlsx", b"not a zip")
    assert res["errors"][0]["rule"] == "文件"
    assert _count(tx) == before


def test_import_preview_and_atomic_commit_with_change_log(tx):
    cur = store.current(tx, [("ins_pension_ent", "110000", "2021")])[("ins_pension_ent", "110000", "2021")]
    data = ("\ufeff" + ",".join(imports.COLUMNS) + "\n"
            f"ins_pension_ent,110000,2021,{float(cur['value']) + 1},万人,修订,测试修订,测试\n"
            "ins_pension_ent,110000,2022,0.1764,亿人,,单位换算,测试\n").encode("utf-8")
    res = imports.validate(tx, "ok.csv", data)
    assert res["errors"] == []
    st = {r["period"]: (r["status"], r["value"]) for r in res["rows"]}
    assert st["2021"][0] == "changed" and st["2022"] == ("new", pytest.approx(1764.0))
    token = imports.save_pending(tx, "tester", "ok.csv", res["rows"])
    with pytest.raises(imports.ImportError_, match="自己"):
        imports.commit_pending(tx, token, "someone_else")
    out = imports.commit_pending(tx, token, "tester")
    assert (out["new"], out["revised"]) == (1, 1)
    log = tx.execute("select changed_by, old_value, new_value, period from history.change_log where load_id = %s "
                     "order by period", (out["load_id"],)).fetchall()
    assert log[0][0] == "tester" and log[0][1] == cur["value"] and float(log[0][2]) == float(cur["value"]) + 1
    assert log[1][1] is None and float(log[1][2]) == pytest.approx(1764.0)
    # the earlier value is still there "as of" before the import
    before = store.read(tx, ["ins_pension_ent"], ["110000"], "2021", "2021", asof=cur["known_from"])
    assert float(before[0]["value"]) == float(cur["value"])


def test_publish_writes_a_vintage_reconciled_with_the_marts(tx):
    res = load.load_warehouse(tx, log=lambda *_: None)
    assert res["mismatches"] == 0 and res["reconciled"] > 0
    # independently: Beijing as the mart's own 全市 row (110000) and a district straight from the marts
    for mk, total in tx.execute("select month_key, insured_total from official.rpt_pension_overview "
                                "where district_code = '110000'"):
        p = f"{mk // 100}-{mk % 100:02d}"
        v = store.read(tx, ["wh_pension_insured"], ["110000"], p, p)[0]["value"]
        assert v == total
    for mk, d, rate in tx.execute("select month_key, district_code, closure_rate from official.rpt_arbitration_overview "
                                  "where district_code = '110105' and closure_rate is not null"):
        p = f"{mk // 100}-{mk % 100:02d}"
        assert store.read(tx, ["wh_arb_closure_rate"], ["110105"], p, p)[0]["value"] == rate * 100
    # a value that disagrees with its mart is caught by the reconciliation
    p = tx.execute("select max(period) from history.observation where indicator_code = 'wh_pension_insured'").fetchone()[0]
    lid = store.start_load(tx, "test")
    store.write_vintage(tx, [{"indicator": "wh_pension_insured", "region": "110000", "period": p, "freq": "M",
                              "value": 1}], lid)
    bad = [r for r in load.reconcile(tx, lid) if not r["ok"]]
    assert [(r["indicator"], r["region"], r["period"]) for r in bad] == [("wh_pension_insured", "110000", p)]


def _client(username: str):
    from fastapi.testclient import TestClient

    from portal import access
    from portal.app import app

    pw = json.loads(access.ensure_users(log=lambda *_: None).read_text())[username]
    c = TestClient(app, follow_redirects=False)
    r = c.post("/login", content=f"username={username}&password={pw}&next=/",
               headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 303, r.text
    return c


def test_report_figures_equal_the_marts_and_the_portal_api(ready):
    with psycopg.connect(ready) as conn:
        month = conn.execute("select max(month_key) from official.rpt_pension_overview").fetchone()[0]
        asof = conn.execute("select now()").fetchone()[0].isoformat()
        fig = report.figures(conn, str(month), asof)
        key = {r["indicator"]: r for r in fig["key"]}
        mart = conn.execute("select insured_total, contributors, pension_paid / 10000 from "
                            "official.rpt_pension_overview where month_key = %s and district_code = '110000'",
                            (month,)).fetchone()
        assert key["wh_pension_insured"]["value"] == float(mart[0])
        assert key["wh_pension_contributors"]["value"] == float(mart[1])
        assert key["wh_pension_paid"]["value"] == pytest.approx(float(mart[2]), abs=1e-9)
        rate = conn.execute("select round(closed::numeric / nullif(cases_handled, 0) * 100, 2) from "
                            "official.rpt_arbitration_overview where month_key = %s and district_code = '110000'",
                            (month,)).fetchone()[0]
        assert key["wh_arb_closure_rate"]["value"] == float(rate)
        prev = conn.execute("select sum(insured_total) from official.rpt_pension_overview where month_key = %s "
                            "and district_code = '110000'", (month - 1 if month % 100 != 1 else month - 89,)).fetchone()[0]
        if prev:
            assert key["wh_pension_insured"]["mom"] == pytest.approx((float(mart[0]) - float(prev)) / float(prev) * 100)
        dist = {(r["indicator"], r["region"]): r["value"] for r in fig["district"]}
        for d, v in conn.execute("select district_code, insured from official.rpt_unemployment_overview where "
                                 "month_key = %s and district_code not in ('999999', '110000')", (month,)):
            assert dist[("wh_unemp_insured", d)] == float(v)
        # the same figures through the portal's API
        c = _client("analyst")
        p = f"{month // 100}-{month % 100:02d}"
        r = c.post("/api/query", json={"indicators": ["wh_pension_insured", "wh_arb_closure_rate"], "regions": ["110000"],
                                       "periods": {"from": p, "to": p}, "freq": "M", "asof": asof})
        assert r.status_code == 200, r.text
        api = {x["indicator"]: x["value"] for x in r.json()["cells"]}
        assert api["wh_pension_insured"] == key["wh_pension_insured"]["value"]
        assert api["wh_arb_closure_rate"] == key["wh_arb_closure_rate"]["value"]
        # reproducible: the same asof gives the same figures
        assert report.figures(conn, str(month), asof) == fig


def test_district_isolation_in_the_database(tx):
    tx.execute("set local role history_district_reader")
    tx.execute("select set_config('history.district', '110105', true)")
    regions = {r[0] for r in tx.execute("select distinct region_code from history.observation")}
    assert regions == {"110105"}
    assert {r[0] for r in tx.execute("select distinct region_code from history.series_current")} == {"110105"}
    rows = store.read(tx, ["wh_pension_insured"], ["110000", "110105", "110108"])
    assert rows and {r["region"] for r in rows} == {"110105"}
    tx.execute("select set_config('history.district', '', true)")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        tx.execute("insert into history.load (kind, loaded_by) values ('x', 'x')")   # read-only role
    tx.rollback()
    assert len({r[0] for r in tx.execute("select distinct region_code from history.observation")}) > 1


def test_portal_roles_districts_and_login_throttling(ready):
    from fastapi.testclient import TestClient

    from portal.app import app

    d = _client("district_110105")
    ok = d.post("/api/query", json={"indicators": ["wh_pension_insured"], "regions": ["110105"], "periods": {"latest": 2}})
    assert ok.status_code == 200 and {c["region"] for c in ok.json()["cells"]} == {"110105"}
    other = d.post("/api/query", json={"indicators": ["wh_pension_insured"], "regions": ["110000"], "periods": {"latest": 2}})
    assert other.status_code == 400 and "无权" in other.json()["detail"]
    # 占比 would divide by 北京市's value: refused by name, not answered as "missing" cells
    share = d.post("/api/query", json={"indicators": ["wh_pension_insured"], "regions": ["110105"],
                                       "methods": {"wh_pension_insured": "share"}, "periods": {"latest": 2}})
    assert share.status_code == 400 and "无权查看地区: 北京市" in share.json()["detail"], share.text
    assert _client("analyst").post("/api/query", json={"indicators": ["wh_pension_insured"], "regions": ["110105"],
                                                        "methods": {"wh_pension_insured": "share"},
                                                        "periods": {"latest": 2}}).status_code == 200
    assert d.get("/api/data", params={"indicators": "wh_pension_insured", "regions": "110108"}).status_code == 403
    assert d.get("/import").status_code == 403
    a = _client("analyst")
    # a misspelt parameter would widen the answer to every period unnoticed: refused, naming it and its likely intent
    typo = a.get("/api/data", params={"indicators": "wh_pension_insured", "regions": "110105", "period_form": "2024-11"})
    assert typo.status_code == 400 and "period_form(是否应为 period_from?)" in typo.json()["detail"], typo.text
    assert a.get("/api/data", params={"indicators": "wh_pension_insured", "regions": "110105",
                                      "period_from": "2024-11"}).status_code == 200
    assert "不支持的参数: x" in a.get("/api/catalogue/wh_pension_insured", params={"x": "1"}).json()["detail"]
    assert a.post("/api/import/entry", json={"rows": []}).status_code == 403
    big = a.post("/api/query/estimate", json={"indicators": ["wh_pension_insured"] * 1, "regions": ["110000"],
                                              "periods": {"latest": 10}})
    assert big.json()["cells"] == 10
    too_big = a.post("/api/query", json={"indicators": list(store.catalogue().indicators)[:100],
                                         "regions": [r["code"] for r in store.catalogue().regions],
                                         "periods": {"latest": 300}})
    assert too_big.status_code == 400 and "查询过大" in too_big.json()["detail"]
    anon = TestClient(app, follow_redirects=False)
    assert anon.get("/api/catalogue").status_code == 401
    assert anon.get("/query").status_code == 303
    name = f"nobody_{uuid.uuid4().hex[:6]}"
    for _ in range(5):
        r = anon.post("/login", content=f"username={name}&password=wrong", headers={"content-type": "application/x-www-form-urlencoded"})
        assert "用户名或密码错误" in r.text
    r = anon.post("/login", content=f"username={name}&password=wrong", headers={"content-type": "application/x-www-form-urlencoded"})
    assert "登录失败次数过多" in r.text


def test_latest_n_rolls_forward_to_a_new_period(tx):
    spec = {"indicators": ["wh_pension_insured"], "regions": ["110000"], "periods": {"latest": 2}, "freq": "M"}
    before = query.run(tx, spec, use_cache=False)["periods"]
    nxt = engine_shift(before[-1], 1)
    lid = store.start_load(tx, "test")
    store.write_vintage(tx, [{"indicator": "wh_pension_insured", "region": "110000", "period": nxt, "freq": "M",
                              "value": 1.0}], lid)
    after = query.run(tx, spec, use_cache=False)["periods"]
    assert after == [before[-1], nxt]


def engine_shift(p, k):
    from history import engine

    return engine.shift(p, k)


def test_saved_query_share_url_and_exports(ready):
    c = _client("analyst")
    spec = {"indicators": ["wh_pension_insured", "wh_arb_closure_rate"], "regions": ["110000", "110105"],
            "periods": {"latest": 2}, "freq": "M", "methods": {"wh_pension_insured": "pop"}}
    r = c.post("/api/saved-queries", json={"name": "测试查询", "spec": spec})
    assert r.status_code == 200
    loc = c.get(r.json()["url"]).headers["location"]
    assert loc.startswith("/query?spec=")
    page = c.get(loc)
    assert page.status_code == 200 and 'id="result-table"' in page.text
    js = c.get("/api/export", params={"format": "jsonstat", "spec": json.dumps(spec)}).json()
    assert js["version"] == "2.0" and js["class"] == "dataset" and js["id"] == ["indicator", "region", "period"]
    assert len(js["value"]) == js["size"][0] * js["size"][1] * js["size"][2] == 2 * 2 * 2
    assert js["dimension"]["indicator"]["category"]["unit"]["wh_arb_closure_rate"]["label"] == "%"
    csv_text = c.get("/api/export", params={"format": "csv", "spec": json.dumps(spec)}).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("指标代码,指标名称,单位") and len(lines) == 1 + 8
    x = c.get("/api/export", params={"format": "xlsx", "spec": json.dumps(spec)})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    bad = c.get("/api/export", params={"format": "xlsx", "spec": json.dumps({**spec, "indicators": ["nope"]})})
    assert bad.status_code == 400 and "未知指标" in bad.json()["detail"]


def test_yearbook_tables_with_two_level_headers(tx):
    from openpyxl import load_workbook

    from history import yearbook

    wb = load_workbook(io.BytesIO(yearbook.build(tx, 2011)))
    ws = next(wb[n] for n in wb.sheetnames if "社会保险" in n)
    assert ws["C2"].value == "2011年" and ws["C3"].value == "北京市" and ws["F3"].value == "全国"
    assert any(str(m) == "C2:F2" for m in ws.merged_cells.ranges)
    rows = {str(r[0].value).strip(): [c.value for c in r] for r in ws.iter_rows(min_row=4) if r[0].value}
    inj = rows["年末参加工伤保险人数"]
    assert inj[1] == "万人" and inj[2] == pytest.approx(862.4) and inj[5] == pytest.approx(17695.9)
    assert any(str(k).startswith("资料来源") for k in rows)


def test_report_reproduced_from_its_vintage_after_a_revision(tx):
    month = tx.execute("select max(month_key) from official.rpt_pension_overview").fetchone()[0]
    p = f"{month // 100}-{month % 100:02d}"
    asof = tx.execute("select now() - interval '1 second'").fetchone()[0].isoformat()
    before = report.figures(tx, str(month), asof)
    lid = store.start_load(tx, "test")
    old = next(r["value"] for r in before["key"] if r["indicator"] == "wh_pension_insured")
    store.write_vintage(tx, [{"indicator": "wh_pension_insured", "region": "110000", "period": p, "freq": "M",
                              "value": old + 100}], lid)
    now = tx.execute("select now()").fetchone()[0].isoformat()
    assert report.figures(tx, str(month), asof) == before                      # the archived report, exactly
    after = next(r["value"] for r in report.figures(tx, str(month), now)["key"] if r["indicator"] == "wh_pension_insured")
    assert after == old + 100
