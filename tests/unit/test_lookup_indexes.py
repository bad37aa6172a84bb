"""The raw tables' look-up indexes (loaders/db.py LOOKUP_INDEXES) are on the expression their staging view gives the
ID number, so the daily refresh's changed-person filter (macros/topic_incremental.sql), pushed down through the view,
finds the rows by the index: a view that normalises the number (stg_person_columns → normalize_id: upper(btrim(…)))
is indexed on upper(btrim(id_number)), a view that says upper(id_number) on that. A view changed without its index
would make the refresh read every month again, silently — this test names it."""
from __future__ import annotations

import re

from foundation import settings
from loaders.db import LOOKUP_INDEXES, lookup_index_ddl

STAGING = settings.WAREHOUSE_DBT / "models" / "staging"


def _view_of(interface: str) -> str:
    hits = [p for p in STAGING.rglob("*.sql")
            if re.search(rf"source\('[a-z_]+',\s*'{interface}'\)", p.read_text(encoding="utf-8"))]
    assert len(hits) == 1, (interface, hits)
    return hits[0].read_text(encoding="utf-8")


def test_each_id_index_is_the_staging_views_own_expression():
    for interface, exprs in LOOKUP_INDEXES.items():
        ids = [e for e in exprs if "id_number" in e]
        if not ids:
            continue
        sql = _view_of(interface)
        normalising = "stg_person_columns()" in sql or "stg_person_columns('id_number'" in sql
        plain = re.search(r"upper\(id_number\)\s+as id_number", sql) is not None
        assert normalising != plain, interface
        assert ids == ["upper(btrim(id_number))" if normalising else "upper(id_number)"], (interface, ids)


def test_daily_tables_get_their_version_dates_and_not_data_month():
    ddl = lookup_index_ddl("raw.police_hukou_register_daily", "police_hukou_register")
    assert any("(_valid_from)" in d for d in ddl) and any("(_valid_to)" in d for d in ddl)
    assert not any("data_month" in d for d in ddl)
    assert "((upper(btrim(id_number))))" in ddl[0] and all(len(d.split()[5]) <= 63 for d in ddl)
    assert lookup_index_ddl("raw.police_hukou_register", "police_hukou_register")[1].endswith("(data_month)")


def test_month_partitions_get_their_own_indexes_named_after_them():
    """The monthly tables' indexes are built per month partition after its COPY (not on the partitioned parent,
    which would maintain them row by row during the load): named after the partition, each under PostgreSQL's 63."""
    ddl = lookup_index_ddl("raw.police_residence_permit__202411", "police_residence_permit")
    assert [d.split()[5] for d in ddl] == ["police_residence_permit__202411_by_upper_btrim_id_number",
                                           "police_residence_permit__202411_by_data_month"]
    assert all(d.split()[7] == "raw.police_residence_permit__202411" for d in ddl)
    for iface in LOOKUP_INDEXES:
        assert all(len(d.split()[5]) <= 63 for d in lookup_index_ddl(f"raw.{iface}__202411", iface)), iface

