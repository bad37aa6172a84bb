"""名单比对 and 自助分析 against the session's built warehouse (the embedded cluster `make test` builds), as the
component's own database role wh_listmatch.

A list with known truth is generated from the population (typos, swapped characters, old 15-digit numbers,
missing numbers, unit names with and without suffixes, people and units who are not there); precision and
recall are printed and held to floors. The result workbook keeps the upload's order, masks identifiers for an
analyst, carries the returned fields as the staging data says, applies review decisions; every job is in the
hash-chained audit log and a refused list leaves nothing but its failed job row."""
from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest

from listmatch import analyses, engine, jobs, reader, store, testlist

pytestmark = pytest.mark.integration
FLOORS = {"person": {"precision_confirmed": 0.995, "recall_confirmed": 0.80, "recall_with_review": 0.92},
          "unit": {"precision_confirmed": 0.995, "recall_confirmed": 0.85, "recall_with_review": 0.90}}


@pytest.fixture(scope="module")
def conn(server_url):
    store.setup()
    with store.connect() as c:
        if c.execute("select to_regclass('intermediate.int_identity__natural_person') is null").fetchone()[0]:
            pytest.fail("the warehouse is not built: make db generate build")
        yield c


@pytest.fixture(scope="module")
def truth_list(conn):
    dist = dict(conn.execute("select code, name from codes.code_district"))
    pop = [(a, b, d, dist.get(e)) for a, b, d, e in conn.execute(
        "select id_number, person_name, birth_date, district_code from intermediate.int_identity__natural_person "
        "where id_is_valid and birth_date is not null order by id_number")]
    units = conn.execute("select credit_code, unit_name from intermediate.int_identity__legal_unit "
                         "where unit_name is not null order by credit_code").fetchall()
    prow, ptruth, pkind = testlist.person_rows(pop, 1000, seed=3)
    urow, utruth, ukind = testlist.unit_rows(units, 400, seed=5)
    n = max(len(prow), len(urow))
    rows = [(prow[i] if i < len(prow) else ["", "", "", ""]) + (urow[i] if i < len(urow) else ["", ""]) for i in range(n)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["姓名", "身份证号", "出生日期", "区", "单位名称", "统一社会信用代码"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), rows, (ptruth, pkind), (utruth, ukind)


@pytest.fixture(scope="module")
def job(conn, truth_list):
    data = truth_list[0]
    out: list[bytes] = []
    job_id = jobs.run(conn, "名单.xlsx", data, jobs.Settings(returns=["pension_status", "unemployment_status",
                      "contribution_months", "last_fee_month", "hukou_nature", "death", "unit_insured", "unit_industry"],
                      as_of="202412"), user="test:analyst", role="analyst", purpose="集成测试", output=out)
    return job_id, out[0]


def test_precision_and_recall_on_a_list_with_known_truth(conn, job, truth_list):
    job_id, _ = job
    final = jobs.final_matches(conn, job_id)
    report = {}
    for part, (truth, kinds) in (("person", truth_list[2]), ("unit", truth_list[3])):
        got = [final.get((i + 2, part)) for i in range(len(truth))]
        s = testlist.scores([g[0] for g in got], [g[3] for g in got], truth)
        report[part] = s
        print(f"\n[listmatch] {part}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()))
        for k, floor in FLOORS[part].items():
            assert s[k] >= floor, (part, k, s[k], floor)
        # the disturbances that keep the identifier are confirmed, each one
        for g, t, kind in zip(got, truth, kinds):
            if kind in ("clean", "fullwidth_space", "lower_x", "old15", "lower_code"):
                assert g[0] == engine.CONFIRMED and g[3] == t, (kind, g)
            if kind == "absent":
                assert g[0] == engine.UNMATCHED or g[3] is None or g[3] != t


def test_result_workbook_order_masking_and_returned_fields(conn, job, truth_list):
    job_id, out = job
    _, rows, _, _ = truth_list
    wb = openpyxl.load_workbook(io.BytesIO(out), read_only=True)
    assert wb.sheetnames == ["比对结果", "汇总"]
    res = list(wb["比对结果"].iter_rows(values_only=True))
    head = list(res[0])
    assert head[:6] == ["姓名", "身份证号", "出生日期", "区", "单位名称", "统一社会信用代码"]
    for col in ("人员匹配状态", "人员原因代码", "匹配身份证号", "企业职工养老保险参保状态", "单位企业养老参保人数", "单位行业门类"):
        assert col in head
    assert len(res) == len(rows) + 1
    for i in (0, 1, 17, len(rows) - 1):                        # the upload's order, names untouched
        assert (res[i + 1][0] or "") == rows[i][0].strip() or (res[i + 1][0] or "") == rows[i][0]
    ids = [r[head.index("匹配身份证号")] for r in res[1:] if r[head.index("匹配身份证号")]]
    assert ids and all("*" in v and len(v) == 18 for v in ids)         # analyst: masked
    # returned fields = what the staging data says, as of 202412
    st = head.index("人员匹配状态")
    keys = {k: v for (r, p), v in jobs.final_matches(conn, job_id).items() if p == "person" for k in [r]}
    checked = 0
    for i, r in enumerate(res[1:]):
        f = keys.get(i + 2)
        if f and f[0] == engine.CONFIRMED and checked < 40:
            want = conn.execute("select coalesce(c.name, p.insured_status_code) from staging.stg_pension__persons p "
                                "left join codes.code_insured_status c on c.code = p.insured_status_code "
                                "where p.id_number = %s and p.month_start = '2024-12-01'", (f[3],)).fetchone()
            retired = conn.execute("select 1 from staging.stg_pension__retirees where id_number = %s and "
                                   "month_start = '2024-12-01'", (f[3],)).fetchone()
            got = r[head.index("企业职工养老保险参保状态")]
            assert got == (want[0] if want else ("离退休(领取待遇)" if retired else "无")), (f[3], got)
            checked += 1
        if f and f[0] != engine.CONFIRMED:
            assert r[head.index("企业职工养老保险参保状态")] in (None, "")
        assert r[st] == (f[0] if f else None) or (not f and not r[st])
    assert checked == 40
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["任务编号"] == job_id and summary["截止月份"] == "202412"
    assert summary["输入文件 SHA-256"] == hashlib.sha256(truth_list[0]).hexdigest()


def test_admin_sees_identifiers_and_the_job_is_reproducible(conn, job, truth_list):
    job_id, _ = job
    again = jobs.run(conn, "名单.xlsx", truth_list[0], jobs.Settings(returns=["pension_status"], as_of="202412"),
                     user="test:admin", role="admin")
    rows = lambda j: conn.execute(f"select row_no, part, status, score, reason, match_key from {store.SCHEMA}.job_row "  # noqa: E731
                                  "where job_id = %s order by 1, 2", (j,)).fetchall()
    assert rows(again) == rows(job_id)                    # same input + engine → the same result, row by row
    out = jobs.render(conn, again, "admin")
    res = list(openpyxl.load_workbook(io.BytesIO(out), read_only=True)["比对结果"].iter_rows(values_only=True))
    col = list(res[0]).index("匹配身份证号")
    assert any(v and "*" not in v and len(v) == 18 for v in (r[col] for r in res[1:]))


def test_review_decisions_are_kept_and_applied(conn, job):
    job_id, _ = job
    band = conn.execute(f"select row_no, part, match_key, alternatives from {store.SCHEMA}.job_row where job_id = %s "
                        "and status = '待复核' order by row_no, part limit 2", (job_id,)).fetchall()
    assert len(band) == 2
    (r1, p1, k1, _), (r2, p2, _, _) = band
    jobs.review(conn, job_id, r1, p1, "accept", "test:reviewer")
    jobs.review(conn, job_id, r2, p2, "reject", "test:reviewer")
    with pytest.raises(jobs.ParamError):
        jobs.review(conn, job_id, r1, p1, "accept", "test:reviewer", chosen_key="110101190001010000")
    final = jobs.final_matches(conn, job_id)
    assert final[(r1, p1)][0] == engine.CONFIRMED and final[(r1, p1)][3] == k1 and final[(r1, p1)][7] == "test:reviewer"
    assert final[(r2, p2)][0] == engine.UNMATCHED and final[(r2, p2)][3] is None
    out = jobs.download(conn, job_id, "test:reviewer", "analyst")
    res = list(openpyxl.load_workbook(io.BytesIO(out), read_only=True)["比对结果"].iter_rows(values_only=True))
    head = list(res[0])
    label = "人员" if p1 == "person" else "单位"
    assert res[r1 - 1][head.index(f"{label}匹配状态")] == "确定"
    assert res[r1 - 1][head.index(f"{label}复核结论")].startswith("接受(test:reviewer")
    sha = conn.execute(f"select output_sha256 from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()[0]
    assert sha == hashlib.sha256(out).hexdigest()


def test_every_job_is_in_the_audit_chain_and_a_refused_list_leaves_nothing(conn, job):
    from services import audit

    job_id, _ = job
    seq = conn.execute(f"select audit_seq from {store.SCHEMA}.job where job_id = %s", (job_id,)).fetchone()[0]
    ev = conn.execute(f"select service, status, row_count, params, cardinality(id_hashes) from {audit.TABLE} "
                      "where event_id = %s", (seq,)).fetchone()
    assert ev[0] == "名单比对" and ev[1] == "ok" and ev[2] > 0 and f'"job_id":{job_id}' in ev[3] and ev[4] > 0
    assert "input_sha256" in ev[3]
    bad = "姓名,身份证号\n张三,1\n张三,1\n".encode()
    with pytest.raises(reader.ListError) as e:
        jobs.run(conn, "重复.csv", bad, jobs.Settings(), user="test:analyst", role="analyst")
    assert "第 3 行: 与第 2 行完全重复" in e.value.errors[0]
    failed = conn.execute(f"select job_id, status, error, audit_seq from {store.SCHEMA}.job order by job_id desc limit 1").fetchone()
    assert failed[1] == "failed" and "重复" in failed[2]
    assert conn.execute(f"select count(*) from {store.SCHEMA}.job_row where job_id = %s", (failed[0],)).fetchone()[0] == 0
    assert conn.execute(f"select status from {audit.TABLE} where event_id = %s", (failed[3],)).fetchone()[0] == "invalid"
    with pytest.raises(jobs.ParamError):
        jobs.run(conn, "a.csv", "姓名,身份证号\n张三,1\n".encode(), jobs.Settings(as_of="199901"), user="t", role="analyst")
    assert audit.verify_chain(conn) == []


def test_analyses_run_recorded_and_cut_to_the_district(conn):
    for code in analyses.ANALYSES:
        if analyses.ANALYSES[code].needs_list:
            continue
        out, job_id = analyses.run(conn, code, {}, user="test:analyst", role="analyst")
        ws = openpyxl.load_workbook(io.BytesIO(out))["结果"]
        assert ws["A1"].value == analyses.ANALYSES[code].title and ws.max_row >= 4, code
        assert conn.execute(f"select kind, status, output_sha256 from {store.SCHEMA}.job where job_id = %s",
                            (job_id,)).fetchone() == ("analysis", "done", hashlib.sha256(out).hexdigest())
    # increases and decreases agree with a direct count
    out, _ = analyses.run(conn, "insured_change", {"month_from": "202411", "month_to": "202412", "districts": "110105"},
                          user="test:analyst", role="analyst")
    row = list(openpyxl.load_workbook(io.BytesIO(out))["结果"].iter_rows(min_row=4, values_only=True))[0]
    added, removed = conn.execute(
        "with a as (select id_number from staging.stg_pension__persons where month_start = '2024-11-01' and "
        "insured_status_code = '1' and district_code = '110105'), b as (select id_number from staging.stg_pension__persons "
        "where month_start = '2024-12-01' and insured_status_code = '1' and district_code = '110105') "
        "select (select count(*) from b where id_number not in (select id_number from a)), "
        "(select count(*) from a where id_number not in (select id_number from b))").fetchone()
    assert row[0] == "朝阳区" and (row[3], row[4]) == (added, removed)
    # a district user asking for every district gets its own only
    out, _ = analyses.run(conn, "unit_size_bands", {"districts": "110101,110105"}, user="test:d", role="district",
                          district="110108")
    names = {r[0] for r in openpyxl.load_workbook(io.BytesIO(out))["结果"].iter_rows(min_row=4, values_only=True)}
    assert names == {"海淀区"}
    for bad in ({"month": "2024-12"}, {"bands": "x"}, {"districts": "火星区"}, {"nope": "1"}):
        with pytest.raises(analyses.ParamError):
            analyses.run(conn, "unit_size_bands", bad, user="t", role="analyst")


def test_monthly_status_of_an_uploaded_list(conn):
    ids = [r[0] for r in conn.execute("select id_number from staging.stg_pension__persons where month_start = '2024-12-01' "
                                      "order by id_number limit 5")]
    names = dict(conn.execute("select id_number, person_name from intermediate.int_identity__natural_person "
                              "where id_number = any(%s)", (ids,)))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["姓名", "身份证号"])
    for i in ids:
        w.writerow([names[i], i])
    out, _ = analyses.run(conn, "list_monthly_status", {"month_from": "202411", "month_to": "202501"},
                          user="test:admin", role="admin", upload=("名单.csv", buf.getvalue().encode("gbk")))
    rows = list(openpyxl.load_workbook(io.BytesIO(out))["结果"].iter_rows(min_row=4, values_only=True))
    assert len(rows) == 5 * 3 and {r[0] for r in rows} == set(ids)
    for r in rows:
        if r[1] == "202412":
            assert r[2] in ("正常缴费", "暂停缴费", "终止参保")


def test_the_role_reads_what_matching_needs_and_nothing_else(conn):
    assert conn.execute("select current_user").fetchone()[0] == "wh_listmatch"
    for sql in ("select 1 from raw.ent_pension_person limit 1", "select 1 from marts.rpt_pension_overview limit 1",
                "create table staging.probe (x int)", "delete from intermediate.int_identity__natural_person",
                "update svc_audit.event set status = 'ok'"):
        with pytest.raises(Exception) as e, conn.transaction():
            conn.execute(sql)
        assert "permission denied" in str(e.value) or "只允许追加" in str(e.value), sql
