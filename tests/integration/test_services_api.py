"""Data services (issue 18) on the built warehouse, in-process, logged in as the services' own role wh_services
(as `make services` runs it): every catalogue service answers; a call outside the approved sharing request
(service, fields, expiry) is 403 with the reason; revoked and rotated keys are 401; the per-key rate limit is 429;
masking follows the caller's role; malformed parameters are 422 naming parameter and rule (never 500); every call
lands in the audit log with identifiers hashed; the role reads exactly the catalogue's relations; a feed's
manifest checksum matches its file."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient

from foundation import settings

pytestmark = pytest.mark.integration
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def env():
    with psycopg.connect(settings.admin_url()) as conn:
        if not conn.execute("select to_regclass('topic_data_services.topic_data_services__person_insurance_month')"
                            ).fetchone()[0]:
            pytest.fail("no topic libraries: run `make db generate build publish` first")
    from services import store

    store.setup(log=lambda m: None)
    mp = pytest.MonkeyPatch()
    mp.setenv(settings.COMPONENT_ENV, "services")
    import services.app as module

    with psycopg.connect(settings.warehouse_url()) as conn:
        assert conn.execute("select current_user").fetchone() == ("wh_services",)
    with psycopg.connect(settings.admin_url(), autocommit=True) as conn:
        sample = conn.execute(
            "select id_number, credit_code from topic_data_services.topic_data_services__person_insurance_month "
            "where insurance_type_code = '110' and paid and credit_code is not null "
            "and id_number in (select id_number from topic_natural_person.topic_natural_person__persons) "
            "order by month_start desc, id_number limit 1").fetchone()
        keys = {}
        all_codes = sorted(module.catalogue()[0])
        store.add_caller(conn, f"t_{RUN}", "测试委办局", "测试处")
        for name, role, services, days, fields, rate in [
                ("full", "full", all_codes, 30, None, None),
                ("verify", "verify", ["ss_contribution_months_5", "ps_hukou"], 30,
                 {"ss_contribution_months_5": ["id_number", "person_name", "month_start", "contribution_base"],
                  "ps_hukou": ["id_number", "person_name", "household_no"]}, None),
                ("stats", "statistics", ["ss_contribution_months_5"], 30, None, None),
                ("expired", "verify", ["ss_contribution_months_5"], -1, None, None),
                ("slow", "full", ["ps_hukou"], 30, None, 3)]:
            rid = f"T-{RUN}-{name}"
            store.approve_request(conn, rid, f"t_{RUN}", title="测试", purpose=f"测试用途 {name}", services=services,
                                  fields=fields, caller_role=role, expires_on=dt.date.today() + dt.timedelta(days=days))
            keys[name] = store.issue_key(conn, rid, rate_per_minute=rate)
    client = TestClient(module.app)
    yield {"client": client, "keys": keys, "id": sample[0], "credit": sample[1], "module": module}
    client.close()
    mp.undo()


def get(env, code: str, key: str | None, **params):
    headers = {"X-API-Key": env["keys"][key][1]} if key else {}
    return env["client"].get(f"/api/v1/services/{code}", params=params, headers=headers)


def sample_params(env, service) -> dict:
    with psycopg.connect(settings.admin_url()) as conn:
        household, unit_name = conn.execute(
            "select (select household_no from topic_natural_person.topic_natural_person__persons "
            "        where population_group = '本市户籍' and household_no is not null limit 1), "
            "(select unit_name from topic_legal_person.topic_legal_person__units limit 1)").fetchone()
    values = {"id_number": env["id"], "id_numbers": env["id"], "credit_code": env["credit"], "credit_codes": env["credit"],
              "month": "202501", "year": "2025", "district": "110105", "industry": "I", "household_no": household,
              "text": unit_name[2:4], "texts": unit_name}
    return {p.name: values[p.type] for p in service.parameters if p.required or p.type in ("district",)}


def test_every_catalogue_service_answers(env):
    services, _ = env["module"].catalogue()
    assert len(services) >= 25
    answered = {}
    for code, service in services.items():
        r = get(env, code, "full", **sample_params(env, service))
        assert r.status_code == 200, (code, r.status_code, r.text[:300])
        answered[code] = r.json()["count"]
    # the person sampled has a pension record: the services built around a person answer with rows
    for code in ("ss_contribution_months_5", "ss_annual_statement", "ss_person_in_unit", "ss_person_contributions",
                 "ss_person_basic", "zh_person_portrait", "ss_unit_basic", "le_basic"):
        assert answered[code] >= 1, (code, answered[code])


def test_person_in_current_unit_and_annual_statement(env):
    r = get(env, "ss_person_in_unit", "full", id_number=env["id"], credit_code=env["credit"]).json()
    assert r["rows"][0]["in_unit"] is True and r["rows"][0]["current_credit_code"] == env["credit"]
    other = "91110000MA00000000"
    other = other[:17] + __import__("foundation.checkdigits", fromlist=["x"]).credit_check_char(other[:17])
    r = get(env, "ss_person_in_unit", "full", id_number=env["id"], credit_code=other).json()
    assert r["rows"][0]["in_unit"] is False
    st = get(env, "ss_annual_statement", "full", id_number=env["id"], year="2025").json()["rows"]
    months = get(env, "ss_annual_statement_months", "full", id_number=env["id"], year="2025").json()["rows"]
    for line in st:   # the statement's totals are the sums of its month records
        ms = [m for m in months if m["insurance_type_code"] == line["insurance_type_code"]]
        assert line["months_registered"] == len(ms)
        assert abs(line["employee_total"] - sum(m["employee_amount"] or 0 for m in ms)) < 0.01


def test_scope_outside_service_fields_expiry_is_403_with_reason(env):
    r = get(env, "ps_death", "verify", id_number=env["id"])
    assert r.status_code == 403 and r.json()["error"] == "service_not_approved" and "不在共享申请" in r.json()["reason"]
    r = get(env, "ss_contribution_months_5", "verify", id_number=env["id"], fields="person_name,employer_amount")
    assert r.status_code == 403 and "employer_amount" in r.json()["reason"]
    r = get(env, "ss_contribution_months_5", "verify", id_number=env["id"])
    assert r.status_code == 200
    assert [f["name"] for f in r.json()["fields"]] == ["id_number", "person_name", "month_start", "contribution_base"]
    r = get(env, "ss_contribution_months_5", "expired", id_number=env["id"])
    assert r.status_code == 403 and r.json()["error"] == "request_expired" and "到期" in r.json()["reason"]
    assert get(env, "ps_hukou", None, id_number=env["id"]).status_code == 401


def test_revoked_and_rotated_keys(env):
    from services import store

    with psycopg.connect(settings.admin_url(), autocommit=True) as conn:
        key_id, token = store.issue_key(conn, f"T-{RUN}-full")
        new_id, new_token = store.rotate_key(conn, key_id)
        key2_id, token2 = store.issue_key(conn, f"T-{RUN}-full")
        store.revoke_key(conn, key2_id, "测试吊销")
    c = env["client"]
    r = c.get("/api/v1/services/ps_hukou", params={"id_number": env["id"]}, headers={"X-API-Key": token})
    assert r.status_code == 401 and "rotated" in r.json()["reason"]
    r = c.get("/api/v1/services/ps_hukou", params={"id_number": env["id"]}, headers={"X-API-Key": token2})
    assert r.status_code == 401 and r.json()["error"] == "revoked_key" and "测试吊销" in r.json()["reason"]
    assert c.get("/api/v1/services/ps_hukou", params={"id_number": env["id"]},
                 headers={"X-API-Key": new_token}).status_code == 200
    forged = f"svc_{new_id}_{'x' * 43}"
    assert c.get("/api/v1/services/ps_hukou", params={"id_number": env["id"]},
                 headers={"X-API-Key": forged}).status_code == 401


def test_rate_limit_per_key_is_429(env):
    codes = [get(env, "ps_hukou", "slow", id_number=env["id"]).status_code for _ in range(5)]
    if codes[:3] != [200] * 3:           # the minute turned over between calls: once more
        codes = [get(env, "ps_hukou", "slow", id_number=env["id"]).status_code for _ in range(5)]
    assert 429 in codes and codes.count(200) <= 3
    r = get(env, "ps_hukou", "slow", id_number=env["id"])
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "每分钟 3 次" in r.json()["reason"]


def test_masking_per_role(env):
    full = get(env, "ss_contribution_months_5", "full", id_number=env["id"]).json()
    verify = get(env, "ss_contribution_months_5", "verify", id_number=env["id"]).json()
    stats = get(env, "ss_contribution_months_5", "stats", id_number=env["id"]).json()
    assert full["rows"][0]["id_number"] == env["id"]
    v = verify["rows"][0]
    assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", v["id_number"]) and v["id_number"][-4:] == env["id"][-4:]
    assert v["person_name"][1:] == "*" * (len(v["person_name"]) - 1)
    assert stats["rows"][0]["id_number"] is None and stats["rows"][0]["person_name"] is None
    assert stats["rows"][0]["contribution_base"] == full["rows"][0]["contribution_base"]
    hh = get(env, "ps_hukou", "verify", id_number=env["id"]).json()
    if hh["count"]:
        assert env["id"] not in json.dumps(hh)


@pytest.mark.parametrize("code, params, parameter, rule", [
    ("ps_hukou", {"id_number": "110105199001011235"}, "id_number", "id_number.check_digit"),
    ("ps_hukou", {"id_number": "abc"}, "id_number", "id_number.format"),
    ("ps_hukou", {}, "id_number", "required"),
    ("ps_hukou", {"id_number": "11010519900101123X", "sql": "1"}, "sql", "unknown_parameter"),
    ("ss_contribution_months_5", {"id_number": "x", "from_month": "202513"}, "id_number", "id_number.format"),
    ("ss_annual_statement", {"id_number": "placeholder", "year": "twenty"}, "year", "int.format"),
    ("le_fuzzy", {"name": "a"}, "name", "text.min_length"),
    ("le_fuzzy", {"name": "商贸", "page_size": "100000"}, "page_size", "int.max"),
    ("le_by_district_industry", {"district": "999999"}, "district", "district.code"),
    ("le_multi_exact", {"credit_codes": "91110000MA0000000X"}, "credit_codes[0]", "credit_code.check_digit"),
])
def test_malformed_parameter_is_422_naming_it(env, code, params, parameter, rule):
    if params.get("id_number") == "placeholder":
        params = {**params, "id_number": env["id"]}
    if code == "ss_contribution_months_5":
        params = {"id_number": env["id"], "from_month": "202513"}
        parameter, rule = "from_month", "month.format"
    r = get(env, code, "full", **params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["parameter"] == parameter and body["rule"] == rule and body["message"]


def test_bad_bodies_never_500(env):
    c, h = env["client"], {"X-API-Key": env["keys"]["full"][1]}
    for body in ("[1, 2]", "{bad", '"x"', '{"id_numbers": 5}', '{"id_numbers": ["1"]}', '{"id_numbers": [' +
                 ",".join(['"110105199001011234"'] * 101) + "]}"):
        r = c.post("/api/v1/services/ps_hukou_multi", content=body, headers={**h, "content-type": "application/json"})
        assert r.status_code in (422,), (body[:40], r.status_code, r.text[:200])
    r = c.post("/api/v1/services/ps_hukou_multi/jobs", json={"id_numbers": [env["id"]] * 3 + ["bad"]},
               headers=h)
    assert r.status_code == 422 and r.json()["parameter"] == "id_numbers[3]"


def test_calls_are_audited_with_identifiers_hashed(env):
    from services import audit

    r = get(env, "ss_contribution_months_5", "verify", id_number=env["id"])
    event = r.json()["audit_event"]
    get(env, "ps_death", "verify", id_number=env["id"])          # refused: audited too
    with psycopg.connect(settings.admin_url()) as conn:
        row = conn.execute(f"select caller, key_id, service, purpose, params, fields, row_count, status, id_hashes "
                           f"from {audit.TABLE} where event_id = %s", (event,)).fetchone()
        refused = conn.execute(f"select status, service from {audit.TABLE} where key_id = %s and event_id > %s "
                               "order by event_id limit 1", (env["keys"]["verify"][0], event)).fetchone()
        assert audit.verify_chain(conn) == []
    assert row[0] == "测试委办局-测试处" and row[1] == env["keys"]["verify"][0] and row[7] == "ok"
    assert row[3] == "测试用途 verify" and row[5] == ["id_number", "person_name", "month_start", "contribution_base"]
    assert env["id"] not in row[4] and row[8] == [audit.hash_identifier(env["id"])]
    assert refused == ("refused", "市公安局-北京市死亡注销信息")


def test_service_role_reads_exactly_the_catalogue_relations(env):
    from services.catalogue import relations_read

    with psycopg.connect(settings.admin_url()) as conn:
        for rel in relations_read():
            assert conn.execute("select has_table_privilege('wh_services', %s, 'select')", (rel,)).fetchone()[0], rel
        readable = {f"{s}.{t}" for s, t in conn.execute(
            "select schemaname, tablename from pg_tables where schemaname not in ('svc', 'svc_audit', 'pg_catalog', "
            "'information_schema') and has_table_privilege('wh_services', format('%I.%I', schemaname, tablename), "
            "'select')")}
        assert readable == set(relations_read()), readable ^ set(relations_read())
        for priv in ("update", "delete", "truncate"):
            assert not conn.execute("select has_table_privilege('wh_services', 'svc_audit.event', %s)",
                                    (priv,)).fetchone()[0]


def test_feed_manifest_checksum(env, tmp_path, monkeypatch):
    from services import feeds
    from services.catalogue import catalogue

    monkeypatch.setattr(feeds, "outbox", lambda: tmp_path)
    feed = catalogue()[1]["finance_insured_units"]
    with psycopg.connect(settings.warehouse_url(), autocommit=True) as conn:
        result = feeds.produce(conn, feed, "202501")
        status = conn.execute("select status, row_count, sha256 from svc.feed_delivery where feed_code = %s "
                              "order by delivery_id desc limit 1", (feed.code,)).fetchone()
    assert result["status"] == "delivered" and result["rows"] > 0
    manifest = tmp_path / "finance" / "202501" / "finance_insured_units.manifest.json"
    m = json.loads(manifest.read_text(encoding="utf-8"))
    data = (manifest.parent / m["file"]).read_bytes()
    assert m["row_count"] == result["rows"] == len(data.decode("utf-8-sig").strip().splitlines()) - 1
    assert feeds.verify_manifest(manifest) and status == ("delivered", m["row_count"], m["sha256"])
    (manifest.parent / m["file"]).write_bytes(data.replace(b"1", b"2", 1))
    assert not feeds.verify_manifest(manifest)


def test_enumeration_alert_is_recorded(env, monkeypatch):
    from services import alerts

    monkeypatch.setenv("SERVICES_ENUM_THRESHOLD", "3")
    with psycopg.connect(settings.admin_url()) as conn:
        ids = [r[0] for r in conn.execute("select id_number from topic_natural_person.topic_natural_person__persons "
                                          "order by id_number limit 5")]
    r = env["client"].post("/api/v1/services/ps_hukou_multi", json={"id_numbers": ids},
                           headers={"X-API-Key": env["keys"]["full"][1]})
    assert r.status_code == 200
    with psycopg.connect(settings.admin_url(), autocommit=True) as conn:
        alerts.check(conn, env["keys"]["full"][0], "测试委办局-测试处")
        row = conn.execute("select kind, observed, threshold, detail from svc.alert where key_id = %s "
                           "order by alert_id desc limit 1", (env["keys"]["full"][0],)).fetchone()
    assert row[0] == "enumeration" and row[1] >= 5 and row[2] == 3 and "疑似遍历枚举" in row[3]
    assert not any(i in row[3] for i in ids)


def test_annual_statement_as_xlsx_in_chinese(env):
    import io

    from openpyxl import load_workbook

    r = get(env, "ss_annual_statement", "full", id_number=env["id"], year="2025", format="xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == "社保数据-社保缴费年度对账单查询服务" and "用途" in ws["A2"].value
    assert [c.value for c in ws[5]][:3] == ["公民身份号码", "姓名", "年度"] and ws.max_row >= 6
    assert get(env, "ss_annual_statement", "full", id_number=env["id"], year="2025", format="pdfx").status_code == 422


KEY_TYPES = {"id_number", "id_numbers", "credit_code", "credit_codes", "household_no", "texts"}   # texts: exact names


def test_every_key_lookup_of_a_service_has_an_index(env):
    """A service answering one person or unit must find it through an index, at any scale: the column each key
    parameter is compared with (``id_number = %(id_number)s``, ``= any(%(id_numbers)s)``) leads an index of a
    relation the service reads. A model's config(indexes=…) replacing its YAML's once dropped the person look-up of
    the five-insurance month records: every call scanned the table (1.6 s at the demo scale, not < 1 ms)."""
    services = env["module"].catalogue()[0]
    with psycopg.connect(settings.admin_url()) as conn:
        def leading(rel: str) -> set[str]:
            return {r[0] for r in conn.execute(
                "select a.attname from pg_index i join pg_attribute a "
                "on a.attrelid = i.indrelid and a.attnum = i.indkey[0] where i.indrelid = %s::regclass", (rel,))}
        indexed = {rel: leading(rel) for s in services.values() for rel in s.reads}
    lookups, missing = 0, []
    for s in services.values():
        for p in s.parameters:
            if p.type not in KEY_TYPES:
                continue
            cols = re.findall(rf"(?:\w+\.)?(\w+)\s*=\s*(?:any\s*\(\s*)?%\({p.name}\)s", s.sql)
            assert cols, f"{s.code}: parameter {p.name} is not compared with a column by '='"
            for col in cols:
                lookups += 1
                if not any(col in indexed[rel] for rel in s.reads):
                    missing.append(f"{s.code}: {col} (reads {', '.join(s.reads)})")
    assert lookups >= 30, lookups       # the catalogue's person and unit services, not an empty loop
    assert not missing, "look-ups without an index: " + "; ".join(missing)


def test_fuzzy_name_search_equals_a_substring_scan_and_can_use_the_pieces_index(env):
    """按名称模糊查询 finds exactly the units whose name holds the keyword (a direct substring scan: same first page,
    same 'more'), for keywords of 2 to 6 characters, common and rare, odd and even lengths, and none; and its
    condition on the name's two-character pieces can be answered by their GIN index (the planner is left only
    bitmap scans: a plan without the index would be a bitmap-less sequential scan)."""
    with psycopg.connect(settings.admin_url()) as conn:
        names = [r[0] for r in conn.execute(
            "select unit_name from topic_legal_person.topic_legal_person__units order by md5(unit_name) limit 3")]
    keywords = ["北京", "有限公司", names[0][2:5], names[1][1:6], names[2], names[2][-2:], "不存在的单位名", "A1"]
    counts = []
    with psycopg.connect(settings.admin_url()) as conn:
        for kw in keywords:
            want = [r[0] for r in conn.execute(
                "select credit_code from topic_legal_person.topic_legal_person__units where strpos(unit_name, %s) > 0 "
                "order by unit_name, credit_code limit 51", (kw,))]
            r = get(env, "le_fuzzy", "full", name=kw, page_size="50")
            assert r.status_code == 200, (kw, r.text[:300])
            body = r.json()
            assert [row["credit_code"] for row in body["rows"]] == want[:50], kw
            assert body["more"] == (len(want) > 50), kw
            counts.append(len(want))
    assert counts[0] > 50 and 0 < counts[2] <= 50 and counts[6] == 0, counts    # common, rare and absent were tried
    service = env["module"].catalogue()[0]["le_fuzzy"]
    with psycopg.connect(settings.warehouse_url()) as conn:           # as wh_services
        conn.execute("set enable_seqscan = off")
        conn.execute("set enable_indexscan = off")
        plan = "\n".join(r[0] for r in conn.execute("explain " + service.sql, {"name": keywords[2]}))
    assert "Bitmap Index Scan" in plan and "unit_name_bigrams" in plan, plan


# The two unit summaries as they were before they read the per-unit month aggregate
# (topic_data_services__unit_insurance_month): the group-by over the unit's person-month records, at every call.
PERSON_MONTH = "topic_data_services.topic_data_services__person_insurance_month"
OLD_UNIT_SQL = {
    "ss_unit_contribution_summary": f"""
        select month_start, insurance_type_code, insurance_type_name, count(*) as persons,
               count(*) filter (where paid) as paid_persons,
               coalesce(sum(employer_amount), 0) as employer_total, coalesce(sum(employee_amount), 0) as employee_total
        from {PERSON_MONTH}
        where credit_code = %(credit_code)s
          and (%(from_month)s::date is null or month_start >= %(from_month)s)
          and (%(to_month)s::date is null or month_start <= %(to_month)s)
        group by month_start, insurance_type_code, insurance_type_name
        order by month_start, insurance_type_code""",
    "ss_unit_insured": f"""
        select insurance_type_code, insurance_type_name, month_start,
               count(*) filter (where insured_status_code in ('1', '2')) as insured_persons,
               count(*) filter (where paid) as contributors
        from {PERSON_MONTH}
        where credit_code = %(credit_code)s
          and month_start = coalesce(%(month)s::date, (select max(month_start) from {PERSON_MONTH}
                                                       where credit_code = %(credit_code)s))
        group by insurance_type_code, insurance_type_name, month_start
        order by insurance_type_code"""}


def test_unit_summaries_read_the_aggregate_and_answer_as_the_person_month_group_by(env):
    """单位职工缴费记录汇总 and 单位参保信息 read the per-unit month aggregate (a look-up, whatever the unit's size) and
    answer exactly what the group-by over the person-month records answered: for the largest unit, the smallest,
    and a unit with months missing; every month of the drop, the latest by default, and a month range."""
    from services.engine import jsonable

    services = env["module"].catalogue()[0]
    for code in OLD_UNIT_SQL:
        assert services[code].reads == ["topic_data_services.topic_data_services__unit_insurance_month"], code
    with psycopg.connect(settings.admin_url()) as conn:
        months = [r[0] for r in conn.execute(f"select distinct month_start from {PERSON_MONTH} order by 1")]
        units = conn.execute(
            f"select credit_code, count(*) as n, count(distinct month_start) as m from {PERSON_MONTH} "
            "where credit_code is not null group by 1 order by n desc, credit_code").fetchall()
        gappy = [u for u in units if u[2] < len(months)]
        assert len(months) >= 2 and gappy, "the drop has no unit with months missing"
        picked = {"largest": units[0][0], "smallest": units[-1][0], "months missing": gappy[0][0]}
        calls = []
        for unit in picked.values():
            calls += [("ss_unit_insured", {"credit_code": unit, "month": None})]
            calls += [("ss_unit_insured", {"credit_code": unit, "month": m}) for m in months]
            calls += [("ss_unit_contribution_summary", {"credit_code": unit, "from_month": None, "to_month": None}),
                      ("ss_unit_contribution_summary", {"credit_code": unit, "from_month": months[1], "to_month": months[-1]}),
                      ("ss_unit_contribution_summary", {"credit_code": unit, "from_month": None, "to_month": months[0]})]
        answered = 0
        for code, params in calls:
            cur = conn.execute(OLD_UNIT_SQL[code], params)
            names = [d.name for d in cur.description]
            want = [{k: jsonable(v) for k, v in zip(names, r)} for r in cur.fetchall()]
            query = {k: v.strftime("%Y%m") if isinstance(v, dt.date) else v for k, v in params.items() if v is not None}
            r = get(env, code, "full", **query)
            assert r.status_code == 200, (code, query, r.text[:300])
            assert r.json()["rows"] == want, (code, query)
            answered += len(want)
    assert answered > 0
