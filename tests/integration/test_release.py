"""Releases on a scratch database and drop zone: build → publish → build → publish → rollback while a
reader queries the official release continuously and must only ever see complete releases; a failed
balance check blocks publishing unless forced (recorded). (Backups: test_backup.py.)"""
import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from foundation import settings
from pipeline import release
from synth.__main__ import generate

pytestmark = pytest.mark.integration
READER_SQL = """
select (select release_id from official.release_info),
       (select json_object_agg(month_key, json_build_array(active, paid))
          from (select month_key, insured_active as active, pension_paid::text as paid
                  from official.rpt_pension_overview where district_code = '110000') t)
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory, module_scratch_url):
    tmp = tmp_path_factory.mktemp("release")
    url = module_scratch_url
    generate("202407", 2, 0.0005, 31, out=tmp / "exchange")
    e = {**os.environ, "WAREHOUSE_URL": url, "WAREHOUSE_VAR": str(tmp), "DBT_TARGET_PATH": str(tmp / "target"),
         "DBT_LOG_PATH": str(tmp / "logs"), "WAREHOUSE_OPERATOR": "release-test",
         "WAREHOUSE_FIXED_REPORTS": "off"}   # fixed reports have their own tests (test_fixed_reports.py)
    return url, tmp, e


def run(args, e):
    return subprocess.run([sys.executable, "-m", *args], cwd=settings.ROOT, env=e, capture_output=True, text=True)


def publish(month, e, force=False):
    """Publish after the departments' sign-off of the build (as `make demo` does: the demo accounts confirm;
    the sign-off gate itself is tested in test_signoff.py)."""
    signed = run(["cli", "signoff", "--all-demo"], e)
    assert signed.returncode == 0, signed.stdout + signed.stderr
    return run(["pipeline.release", "publish", "--month", month] + (["--force"] if force else []), e)


@pytest.fixture(scope="module")
def published(env):
    """July built and published: the starting point of every test here."""
    url, tmp, e = env
    res = run(["pipeline.build", "--month", "202407"], e)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert publish("202407", e).returncode == 0
    return env


def test_publish_analyses_only_the_new_release(published):
    """Publishing gives the copied tables planner statistics (they are read right after the swap) and leaves
    the rest of the database alone: no database-wide ANALYZE (raw and the review release were analysed when they
    were loaded and built, before the publish began)."""
    url, tmp, e = published
    with psycopg.connect(url) as c:
        began = c.execute("select max(started_at) from audit.run_log where action = 'publish'").fetchone()[0]
        stats = {s: (n, analysed) for s, n, analysed in c.execute(
            "select schemaname, count(*), count(*) filter (where last_analyze >= %s) from pg_stat_user_tables "
            "where schemaname in ('official', 'raw', 'audit', 'marts') group by 1", (began,))}
    assert began is not None
    assert stats["official"][0] > 10 and stats["official"][1] == stats["official"][0]
    assert stats["raw"][1] == stats["audit"][1] == stats["marts"][1] == 0, stats


def test_readers_only_ever_see_complete_releases(published):
    url, tmp, e = published
    seen, errors, stop = [], [], threading.Event()

    def reader():
        with psycopg.connect(url, autocommit=True) as c:
            while not stop.is_set():
                try:
                    seen.append(c.execute(READER_SQL).fetchone())
                except psycopg.Error as exc:  # a missing table or schema would be a partial state
                    errors.append(str(exc))
                time.sleep(0.01)

    t = threading.Thread(target=reader)
    t.start()
    try:
        res = run(["pipeline.build", "--month", "202408"], e)
        assert res.returncode == 0, res.stdout[-2000:]
        assert publish("202408", e).returncode == 0
        time.sleep(0.3)
        assert run(["pipeline.release", "rollback"], e).returncode == 0
        time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    assert errors == []
    with psycopg.connect(url) as c:
        fingerprints = {}
        for schema in ("official", "official_previous"):
            rid, fp = c.execute(f"select release_id, fingerprint from {schema}.release_info").fetchone()
            fingerprints[rid] = {m: [v[0], v[1]] for m, v in fp["pension_totals"].items()}
    releases = [s[0] for s in seen]
    assert len(set(releases)) == 2, "the reader saw both releases"
    for rid, totals in seen:
        assert {m: [v[0], v[1]] for m, v in totals.items()} == fingerprints[rid], f"partial state in release {rid}"
    # the order was first release, second release, first release again (rollback)
    changes = [r for i, r in enumerate(releases) if i == 0 or r != releases[i - 1]]
    assert changes == [changes[0], changes[1], changes[0]]
    assert len(fingerprints[changes[1]]) == 2 and len(fingerprints[changes[0]]) == 1


def test_publish_copies_only_new_months_and_shares_the_others(published):
    """After the August build, the August publish copied the August month chunks and attached July's chunks of
    the month-grained tables (facts, month aggregates) instead of copying them again: the same physical July chunk
    is a child of the official table and of the previous release's. Nothing of release_store is readable except
    through a release's tables, and no chunk is left without a release."""
    url, tmp, e = published
    with psycopg.connect(url) as c:
        pubs = [r[0] for r in c.execute("select detail from audit.run_log where action = 'publish' "
                                        "and result = 'ok' order by run_id")]
        first, second = pubs[0]["chunks"], pubs[1]["chunks"]
        assert first["reused"] == 0 and first["copied"] >= first["tables_by_month"] > 10
        assert second["copied"] > 0 and second["reused"] > 0 and second["rows_copied"] > 0
        assert second["tables_by_month"] == first["tables_by_month"]
        # the pension person-month fact: July shared by both releases, August only in the August release
        parents = {}
        for schema in ("official", "official_previous"):
            parents[schema] = dict(c.execute(
                "select ch.relname, (regexp_match(ch.relname, '__(\\d{6})__'))[1] from pg_inherits i "
                "join pg_class ch on ch.oid = i.inhrelid where i.inhparent = to_regclass(%s)",
                (f"{schema}.fct_pension_person_month",)).fetchall())
        months = {schema: sorted(p.values()) for schema, p in parents.items()}
        assert sorted(months.values()) == [["202407"], ["202407", "202408"]], months
        assert set(parents["official"]) & set(parents["official_previous"]), "July's chunk is shared"
        for schema in ("official", "official_previous"):
            n = c.execute(f"select count(*) from {schema}.fct_pension_person_month "
                          f"where month_start = date '2024-07-01'").fetchone()[0]
            assert n == c.execute("select count(*) from marts.fct_pension_person_month "
                                  "where month_start = date '2024-07-01'").fetchone()[0] > 0
        orphans = c.execute("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                            "where n.nspname = 'release_store' and c.relkind = 'r' and not exists "
                            "(select 1 from pg_inherits i where i.inhrelid = c.oid)").fetchone()[0]
        assert orphans == 0
        assert not c.execute("select has_schema_privilege('wh_read_official', 'release_store', 'usage')").fetchone()[0]
        # the release's fingerprint counts what was copied or attached (no scan of the release): every table's
        # count is its real count
        counted = c.execute("select fingerprint -> 'row_counts' from official.release_info").fetchone()[0]
        tables = [r[0] for r in c.execute("select table_name from information_schema.tables where table_schema = "
                                          "'official' and table_type = 'BASE TABLE' and table_name <> 'release_info'")]
        assert sorted(counted) == sorted(tables)
        for t in tables:
            assert counted[t] == c.execute(f'select count(*) from official."{t}"').fetchone()[0], t


def _tamper_check_table(path, delta):
    """The provider's 数据核对表 claims `delta` more units for 朝阳区 than it delivered."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["核对表"]
    header = [c.value for c in ws[2]]
    for row in ws.iter_rows(min_row=3):
        if row[0].value == "110105":
            row[header.index("参保单位数")].value += delta
    wb.save(path)


def test_failed_check_blocks_publish_unless_forced(published):
    url, tmp, e = published
    xlsx = tmp / "exchange" / "202408" / "QYYL_HDB_202408.xlsx"
    _tamper_check_table(xlsx, 7)
    try:
        res = run(["pipeline.build", "--month", "202408"], e)
        assert res.returncode == 1 and "assert_pension_overview_equals_check_table" in res.stdout
        before = release.info(psycopg.connect(url))
        res = publish("202408", e)
        assert res.returncode == 3 and "拒绝发布" in res.stderr
        assert release.info(psycopg.connect(url))["release_id"] == before["release_id"]
        res = publish("202408", e, force=True)
        assert res.returncode == 0
        with psycopg.connect(url) as c:
            forced = c.execute("select forced from official.release_info").fetchone()[0]
            log = c.execute("select action, result, run_by from audit.run_log order by run_id desc limit 3").fetchall()
            diff = c.execute("select district_code, measure, difference from "
                             "test_failures.assert_pension_overview_equals_check_table").fetchall()
        assert forced is True
        assert log[0] == ("publish", "forced", "release-test") and log[1] == ("publish", "refused", "release-test")
        assert log[2][:2] == ("build", "failed")
        assert diff == [("110105", "units", -7)]
        quality = (tmp / "reports" / "202408" / "数据质量报告_202408.html").read_text(encoding="utf-8")
        assert "assert_pension_overview_equals_check_table" in quality and "110105" in quality
    finally:
        _tamper_check_table(xlsx, -7)
