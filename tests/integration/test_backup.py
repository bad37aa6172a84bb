"""Backups of the embedded cluster: a full then an incremental base backup per period, checksums, retention of the
last two periods, and a restore test that combines the chain, starts it on a scratch port and compares the key
tables. Reads the whole running cluster, so it runs with the tests of the shared warehouse, not beside the
modules that build their own (tests/conftest.py)."""
import os

import pytest

pytestmark = pytest.mark.integration


def test_backup_and_restore(tmp_path, server_url, monkeypatch):
    from pipeline import backup

    if os.environ.get("WAREHOUSE_URL"):
        pytest.skip("backups use pg_basebackup against the embedded cluster")
    monkeypatch.setattr(backup, "BACKUPS", tmp_path / "backups")
    monkeypatch.setenv("WAREHOUSE_BACKUP_RETAIN", "2")
    full = backup.backup("202407", log=lambda *_: None)
    incr = backup.backup("202407", log=lambda *_: None)
    assert full.name.endswith("_full") and incr.name.endswith("_incr")
    assert backup.verify_sums(full) == [] and "backup_manifest" in (full / "SHA256SUMS").read_text()
    result = backup.restore_test(log=lambda *_: None)
    assert result["differences"] == {} and result["tables_checked"] > 10
    # never overwritten; retention keeps the last two periods
    backup.backup("202408", log=lambda *_: None)
    backup.backup("202409", log=lambda *_: None)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == ["202408", "202409"]
    # a corrupted file is caught by the checksums
    victim = next(p for p in (tmp_path / "backups" / "202409").rglob("*.json"))
    victim.write_text("{}")
    with pytest.raises(SystemExit, match="checksum"):
        backup.restore_test(log=lambda *_: None)
