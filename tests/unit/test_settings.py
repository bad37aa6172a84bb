"""The typed settings: defaults, read from the environment when asked (not at import), derived folders."""
from __future__ import annotations

from pathlib import Path

from foundation import settings
from foundation.months import first_day


def test_defaults_from_an_empty_environment():
    s = settings.Settings.from_env({})
    assert s.var == settings.ROOT / "var"
    assert s.pg_port == 55432 and s.restore_port == 55499 and s.backup_retain == 3
    assert s.cube_port == 8089 and s.cube_host == "127.0.0.1" and s.cube_schema == "official"
    assert s.cube_aggregates is True and s.superset_port == 8088 and s.warehouse_url is None
    assert s.exchange == s.var / "exchange" and s.secrets == s.var / "secrets"
    assert s.cube_tokens_file == s.var / "secrets" / "cube_tokens.json"
    assert s.dbt_target_path == settings.WAREHOUSE_DBT / "target"


def test_read_when_asked(monkeypatch, tmp_path):
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("WAREHOUSE_VAR", str(tmp_path))
    monkeypatch.setenv("WAREHOUSE_PG_PORT", "61000")
    monkeypatch.setenv("CUBE_AGGREGATES", "off")
    assert settings.VAR == tmp_path and settings.EXCHANGE == tmp_path / "exchange"
    assert settings.EMBEDDED_PORT == 61000 and settings.get().cube_aggregates is False
    assert settings.warehouse_url().endswith("@127.0.0.1:61000/warehouse")
    assert (tmp_path / "secrets" / "pg_password").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://u:p%40ss@db.example:5433/wh")
    assert settings.url_parts() == {"host": "db.example", "port": 5433, "user": "u", "password": "p@ss", "dbname": "wh"}


def test_secrets_not_in_repr(monkeypatch):
    monkeypatch.setenv("SUPERSET_USER_PASSWORD", "s3cret-value")
    assert "s3cret-value" not in repr(settings.get())


def test_first_day():
    assert first_day("202402").isoformat() == "2024-02-01"
    assert first_day(202412).isoformat() == "2024-12-01"
    assert isinstance(settings.ROOT, Path)
