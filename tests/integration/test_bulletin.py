"""监督快报 on the session warehouse: the key indicators and their month-on-month change equal the official marts'
全市 rows, the governance anomalies equal rpt_governance_anomaly_summary, and the text says so in Chinese."""
from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from pipeline import bulletin
from tests.integration.official_release import require_official

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def conn(server_url):
    with psycopg.connect(server_url, autocommit=True) as c:
        require_official(c)
        yield c


def test_bulletin_figures_equal_the_official_marts(conn):
    month = conn.execute("select data_month from official.release_info").fetchone()[0]
    prev = conn.execute("select max(month_key) from official.rpt_pension_overview where month_key < %s",
                        (int(month),)).fetchone()[0]
    b = bulletin.collect(conn, month)
    for (mart, col, label, *_), got in zip(bulletin.KEY_INDICATORS, b["indicators"]):
        q = sql.SQL("select month_key, {} from official.{} where district_code = '110000'").format(
            sql.Identifier(col), sql.Identifier(mart))
        vals = dict(conn.execute(q).fetchall())
        assert got["value"] == vals.get(int(month)), label
        if prev and prev == bulletin._month_key(month, 1) and vals.get(prev):
            want = (Decimal(vals[int(month)]) - Decimal(vals[prev])) / Decimal(vals[prev])
            assert got["mom"] == want, label
    total = conn.execute("select coalesce(sum(anomalies), 0) from official.rpt_governance_anomaly_summary "
                         "where data_month = to_date(%s, 'YYYYMM')", (month,)).fetchone()[0]
    assert sum(g["anomalies"] for g in b["governance"]) == total
    text = bulletin.text(b)
    assert text.startswith(f"监督快报 {month[:4]}年{int(month[4:])}月")
    assert f"共发现 {total:,} 条" in text and "环比" in text and "正式版" in text
