"""The month chunks of a release (pipeline/release.py) on a scratch database, without a build: which months of a
review table a publish copies and which it attaches from the current release."""
import uuid

import psycopg
import pytest

from pipeline import release

pytestmark = pytest.mark.integration


@pytest.fixture()
def review(scratch_url, monkeypatch):
    """A scratch database with a review table of two months (three rows each, one load batch per month), and a
    reader role of its own in place of the official readers' (roles are shared by the whole server)."""
    reader = f"test_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(scratch_url, autocommit=True) as c:
        c.execute(f"create role {reader} nologin")
        c.execute(f"create schema {release.REVIEW}")
        c.execute(f"create table {release.REVIEW}.agg_x (month_start date, district_code text, n int, "
                  f"source_batch_id bigint)")
        c.execute(f"insert into {release.REVIEW}.agg_x select date '2024-07-01' + (m || ' month')::interval, d, 1, "
                  f"10 + m from generate_series(0, 1) m, unnest(array['110101', '110102', '110105']) d")
    monkeypatch.setattr(release, "READ_OFFICIAL", reader)
    yield scratch_url
    with psycopg.connect(scratch_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f"drop owned by {reader}")
        c.execute(f"drop role {reader}")


def _assemble(conn, schema, known):
    conn.execute(f"create schema {schema}")
    conn.execute(f"create schema if not exists {release.STORE}")
    return release._publish_by_month(conn, schema, "agg_x", known)


def test_a_month_restated_with_the_same_batch_and_count_is_copied_again(review):
    """A model may rewrite a month without a newer batch of its own and with the same number of rows (the flows
    of t + 1 after a re-delivery of t): the next release must copy that month again, not attach the chunk of the
    previous release, and must still attach the month nobody rewrote."""
    with psycopg.connect(review, autocommit=True) as c:
        known: set[str] = set()
        first = _assemble(c, "release_a", known)
        assert (first["copied"], first["reused"], first["rows"]) == (2, 0, 6)
        # August restated in place (delete + insert, as dbt's delete+insert does): same batch, same row count
        with c.transaction():
            c.execute(f"delete from {release.REVIEW}.agg_x where month_start = date '2024-08-01'")
            c.execute(f"insert into {release.REVIEW}.agg_x select date '2024-08-01', d, 2, 11 "
                      f"from unnest(array['110101', '110102', '110105']) d")
        second = _assemble(c, "release_b", known)
        assert (second["copied"], second["reused"], second["rows_copied"]) == (1, 1, 3), second
        got = dict(c.execute("select month_start::text, sum(n) from release_b.agg_x group by 1").fetchall())
        assert got == {"2024-07-01": 3, "2024-08-01": 6}
        # July is the same physical chunk under both releases
        shared = c.execute("select count(*) from pg_inherits a join pg_inherits b on a.inhrelid = b.inhrelid "
                           "where a.inhparent = 'release_a.agg_x'::regclass "
                           "and b.inhparent = 'release_b.agg_x'::regclass").fetchone()[0]
        assert shared == 1
        # nothing rewritten: everything attached
        third = _assemble(c, "release_c", known)
        assert (third["copied"], third["reused"]) == (0, 2)
