"""Raw partitioned by month: an old table partitioned in place, a month archived to a file and detached, restored
identical, a damaged archive refused, a full refresh refused while a month is archived (also by dbt itself, and a topic
refresh as of an archived month)."""
import gzip
import os
import subprocess
import sys

import psycopg
import pytest

from foundation import settings
from foundation.spec import load_specs
from loaders import db
from loaders.load import load_month
from pipeline import raw_retention
from synth.__main__ import generate

pytestmark = pytest.mark.integration
FIRST, SECOND = "202407", "202408"
INTERFACE = "ent_pension_contribution"


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("exchange")
    generate(FIRST, 2, 0.0005, 11, out=root)
    return root


def _fingerprint(conn, month):
    return conn.execute(f"select count(*), md5(string_agg(t::text, '|' order by t::text)) from raw.{INTERFACE} t "
                        "where data_month = %s", (month,)).fetchone()


def test_archive_and_restore_a_month(scratch_url, drop, tmp_path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_VAR", str(tmp_path / "var"))
    for month in (FIRST, SECOND):
        load_month(month, url=scratch_url, folder=drop / month, log=lambda *_: None)
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        assert conn.execute(f"select relkind from pg_class where oid = 'raw.{INTERFACE}'::regclass").fetchone()[0] == "p"
        assert raw_retention.months_in_database(conn)[INTERFACE] == [FIRST, SECOND]
        before = _fingerprint(conn, FIRST)
        assert before[0] > 100
        raw_retention.ensure(conn)
        # only the interface no whole-rebuilt model reads is planned; the newest month is kept
        readers = {i: ["int_x"] for i in raw_retention.months_in_database(conn)} | {INTERFACE: []}
        todo, kept = raw_retention.plan(conn, 1, readers)
        assert todo == [(INTERFACE, FIRST)] and kept["ent_pension_person"] == ["int_x"]

        done = raw_retention.archive_month(conn, INTERFACE, FIRST, log=lambda *_: None)
        assert done["rows"] == before[0]
        assert raw_retention.months_in_database(conn)[INTERFACE] == [SECOND]
        assert _fingerprint(conn, FIRST)[0] == 0
        assert raw_retention.archived(conn) == [(INTERFACE, FIRST)]
        path = tmp_path / "var" / "archive" / "raw" / FIRST / f"{INTERFACE}.tsv.gz"
        assert gzip.open(path).read().count(b"\n") == before[0]

        assert raw_retention.restore_month(conn, INTERFACE, FIRST, log=lambda *_: None) == before[0]
        assert _fingerprint(conn, FIRST) == before
        assert raw_retention.months_in_database(conn)[INTERFACE] == [FIRST, SECOND]
        assert raw_retention.archived(conn) == []

        # a damaged archive is refused and the month stays out of the database, its archive record open
        raw_retention.archive_month(conn, INTERFACE, FIRST, log=lambda *_: None)
        data = bytearray(path.read_bytes())
        data[-20] ^= 0xFF
        path.write_bytes(bytes(data))
        with pytest.raises(SystemExit, match="已损坏"):
            raw_retention.restore_month(conn, INTERFACE, FIRST, log=lambda *_: None)
        assert _fingerprint(conn, FIRST)[0] == 0 and raw_retention.archived(conn) == [(INTERFACE, FIRST)]

    # a month delivered again after it was archived is in the database again: no longer counted as archived (an
    # empty partition, as a failed restore leaves it, does not count)
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        part = db.month_partition(conn, load_specs()[INTERFACE], FIRST)
        assert raw_retention.archived(conn) == [(INTERFACE, FIRST)]
        conn.execute(f"create temp table again as select * from raw.{INTERFACE} where data_month = %s limit 1",
                     (SECOND,))
        conn.execute("update again set data_month = %s", (FIRST,))
        conn.execute(f"insert into {part} select * from again")
        assert raw_retention.archived(conn) == []
        conn.execute(f"truncate {part}")

    # while a month is archived a full refresh is refused (it would drop the month from the ODS)
    from pipeline import build

    monkeypatch.delenv(settings.COMPONENT_ENV, raising=False)
    monkeypatch.setenv("WAREHOUSE_URL", scratch_url)
    with pytest.raises(SystemExit, match="拒绝全量重建.*202407"):
        build._refuse_full_refresh_while_raw_archived(True)
    build._refuse_full_refresh_while_raw_archived(False)


def test_a_table_of_before_is_partitioned_in_place(scratch_url):
    spec = load_specs()["ent_pension_unit"]
    cols = ", ".join(f"{c.name} {c.pg_type}" for c in spec.columns)
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute("create schema raw")
        conn.execute(f"create table raw.ent_pension_unit ({cols}, _line_no integer not null, _batch_id bigint not null)")
        conn.execute("create index ent_pension_unit_month on raw.ent_pension_unit (data_month)")
        names = [c.name for c in spec.columns]
        for month, n in ((FIRST, 3), (SECOND, 2)):
            for line in range(n):
                values = {name: None for name in names} | {"data_month": month}
                conn.execute(f"insert into raw.ent_pension_unit ({', '.join(names)}, _line_no, _batch_id) values "
                             f"({', '.join(['%s'] * len(names))}, %s, 1)", [*values.values(), line + 1])
        db.ensure_raw_table(conn, spec)
        assert conn.execute("select relkind from pg_class where oid = 'raw.ent_pension_unit'::regclass"
                            ).fetchone()[0] == "p"
        assert conn.execute("select data_month, count(*) from raw.ent_pension_unit group by 1 order by 1"
                            ).fetchall() == [(FIRST, 3), (SECOND, 2)]
        assert raw_retention.months_in_database(conn)["ent_pension_unit"] == [FIRST, SECOND]
        assert conn.execute("select to_regclass('raw.ent_pension_unit__unpartitioned')").fetchone()[0] is None


def _dbt(args, url, tmp):
    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", *args, "--no-use-colors"], cwd=settings.ROOT, env=env,
                         capture_output=True, text=True)
    return res.returncode, res.stdout + res.stderr


def test_dbt_itself_refuses_to_read_an_archived_month(scratch_url, drop, tmp_path, monkeypatch):
    """dbt run by hand (not through `make build`) stops before any model when it would read a month raw retention
    archived: a full refresh, or a topic refresh as of a month whose window reaches it (stg_pension__contributions is
    read in the as-of month by the legal-person and profile libraries). As of the month after, it runs."""
    monkeypatch.setenv("WAREHOUSE_VAR", str(tmp_path / "var"))
    for month in (FIRST, SECOND):
        load_month(month, url=scratch_url, folder=drop / month, log=lambda *_: None)
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        raw_retention.ensure(conn)
        raw_retention.archive_month(conn, INTERFACE, FIRST, log=lambda *_: None)
    # the hook before every dbt command: a full refresh stops before its first node
    rc, out = _dbt(["seed", "--select", "code_risk_class", "--full-refresh"], scratch_url, tmp_path)
    assert rc != 0 and "拒绝全量重建" in out and FIRST in out and "loaded seed file" not in out, out[-2000:]
    # the same check with the as-of month as an argument (a --vars change would parse the whole project again)
    check = ["run-operation", "check_archived_raw", "--args"]
    rc, out = _dbt([*check, "{as_of: '2024-07-01'}"], scratch_url, tmp_path)
    assert rc != 0 and f"{INTERFACE} {FIRST}" in out and "make raw-restore" in out, out[-2000:]
    rc, out = _dbt([*check, "{as_of: '2024-08-01'}"], scratch_url, tmp_path)
    assert rc == 0 and "原始层归档检查通过" in out, out[-2000:]
    # the as-of month goes into SQL: anything but a first of a month is refused before a query is written
    rc, out = _dbt([*check, "{as_of: \"2024-08-01'; drop table audit.raw_archive; --\"}"], scratch_url, tmp_path)
    assert rc != 0 and "格式 YYYY-MM-01" in out, out[-2000:]
