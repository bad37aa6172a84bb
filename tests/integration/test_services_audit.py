"""Audit log of the data services (issue 18): hash chain, tamper detection, append-only role, identifiers
hashed, concurrent appenders (20 connections; the benchmark drives 50 HTTP callers) never fork the chain. On a scratch database (independent of the build)."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from services import audit

pytestmark = pytest.mark.integration
PERSON = "110105199001011234"


def _event(conn, i: int = 0, **kw) -> int:
    args = dict(caller="测试局", key_id="k1", service="户籍人口信息查询", purpose="测试", params={"id_number": PERSON,
                "month": "202412", "n": i}, fields=["name", "hukou_type"], row_count=1, latency_ms=3.14159,
                status="ok", identifiers=[PERSON])
    args.update(kw)
    return audit.append_event(conn, **args)


@pytest.fixture()
def db(scratch_url):
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        audit.setup(conn)
        yield scratch_url, conn


def test_chain_intact_then_one_tampered_row_is_named(db):
    url, conn = db
    ids = [_event(conn, i) for i in range(6)]
    assert ids == sorted(ids) and len(set(ids)) == 6
    assert audit.verify_chain(conn) == []
    # identifiers never in clear: not in the parameters, not in the hashes column
    row = conn.execute(f"select params, id_hashes from {audit.TABLE} where event_id = %s", (ids[0],)).fetchone()
    assert PERSON not in row[0] and PERSON not in json.dumps(row[1])
    assert json.loads(row[0])["id_number"] == audit.hash_identifier(PERSON) == row[1][0]
    assert json.loads(row[0])["month"] == "202412"
    # the owner disables the append-only trigger and edits one row: verify names exactly that row
    conn.execute(f"alter table {audit.TABLE} disable trigger event_append_only")
    conn.execute(f"update {audit.TABLE} set row_count = 99 where event_id = %s", (ids[3],))
    problems = audit.verify_chain(conn)
    assert problems and problems[0].event_id == ids[3] and problems[0].kind == "hash"
    # a deleted row breaks the link at the row after it
    conn.execute(f"update {audit.TABLE} set row_count = 1 where event_id = %s", (ids[3],))
    assert audit.verify_chain(conn) == []
    conn.execute(f"delete from {audit.TABLE} where event_id = %s", (ids[2],))
    problems = audit.verify_chain(conn)
    assert problems[0].event_id == ids[3] and problems[0].kind == "link"


def test_trigger_refuses_update_and_writer_role_may_only_insert(db):
    url, conn = db
    eid = _event(conn)
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        conn.execute(f"update {audit.TABLE} set status = 'error' where event_id = %s", (eid,))
    role = f"audit_writer_{uuid.uuid4().hex[:8]}"
    dbname = url.rsplit("/", 1)[1]
    conn.execute(sql.SQL("create role {} login password 'x'").format(sql.Identifier(role)))
    try:
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), sql.Identifier(role)))
        audit.setup(conn, writers=(role,))
        with psycopg.connect(url, user=role, password="x", autocommit=True) as w:
            assert _event(w) > eid
            for stmt in (f"update {audit.TABLE} set status = 'error'", f"delete from {audit.TABLE}",
                         f"truncate {audit.TABLE}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    w.execute(stmt)
        assert audit.verify_chain(conn) == []
    finally:
        conn.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))


def test_concurrent_appenders_keep_one_chain(db):
    url, conn = db

    def work(i: int) -> list[int]:
        with psycopg.connect(url, autocommit=True) as c:
            return [_event(c, i * 10 + j, identifiers=[f"11010519900101{i:03d}{j}"]) for j in range(10)]

    # the embedded server allows 60 connections in all, shared with the running services during `make test`
    with ThreadPoolExecutor(20) as pool:
        ids = [e for chunk in pool.map(work, range(20)) for e in chunk]
    assert len(set(ids)) == 200
    assert audit.chain_length(conn) == 200
    assert audit.verify_chain(conn) == []
    # one chain: every prev_hash is the row_hash of exactly one earlier row, nobody shares a predecessor
    forks = conn.execute(f"select count(*) from (select prev_hash from {audit.TABLE} group by prev_hash "
                         "having count(*) > 1) f").fetchone()[0]
    assert forks == 0


def test_bad_status_refused(db):
    _, conn = db
    with pytest.raises(ValueError, match="status"):
        _event(conn, status="weird")


def test_removing_the_last_rows_is_caught_by_an_anchor(db):
    _, conn = db
    for i in range(3):
        _event(conn, i)
    anchor = audit.head(conn)
    conn.execute(f"alter table {audit.TABLE} disable trigger event_append_only")
    conn.execute(f"delete from {audit.TABLE} where event_id = %s", (anchor[0],))
    assert audit.verify_chain(conn) == []          # the chain alone cannot see a shortened tail
    problems = audit.check_anchors(conn, [anchor])
    assert problems and problems[0].event_id == anchor[0] and problems[0].kind == "anchor"
