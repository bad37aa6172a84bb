"""Paths and connection settings shared by the generator, loaders, dbt runner, cube and Superset.

Everything is derived from the repository root and a handful of environment variables, so that
the same code runs against the embedded PostgreSQL (default) or an external server
(``WAREHOUSE_URL=postgresql://user:pass@host:port/db``).
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("WAREHOUSE_VAR", ROOT / "var"))
EXCHANGE = VAR / "exchange"          # the drop zone: var/exchange/<YYYYMM>/
REJECTS = VAR / "rejects"            # reject files, one per file and rule
REPORTS = VAR / "reports"            # error and quality reports
PGDATA = VAR / "pgdata"
SECRETS = VAR / "secrets"            # generated passwords and keys, never committed
INTERFACES = ROOT / "interfaces"
WAREHOUSE_DBT = ROOT / "warehouse"
SEEDS = WAREHOUSE_DBT / "seeds"

EMBEDDED_PORT = int(os.environ.get("WAREHOUSE_PG_PORT", "55432"))
EMBEDDED_USER = "warehouse"
EMBEDDED_DB = "warehouse"


def embedded_password() -> str:
    """The embedded cluster's password, generated once into var/secrets (not in the repo)."""
    path = SECRETS / "pg_password"
    if not path.exists():
        import secrets

        SECRETS.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def warehouse_url() -> str:
    """SQLAlchemy/libpq URL of the warehouse database."""
    external = os.environ.get("WAREHOUSE_URL")
    if external:
        return external
    return (
        f"postgresql://{EMBEDDED_USER}:{quote(embedded_password(), safe='')}"
        f"@127.0.0.1:{EMBEDDED_PORT}/{EMBEDDED_DB}"
    )


def url_parts(url: str | None = None) -> dict:
    """Split the URL into the pieces dbt's profile and libpq tools want."""
    parts = urlsplit(url or warehouse_url())
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "dbname": (parts.path or "/").lstrip("/") or "postgres",
    }


def dbt_env(url: str | None = None) -> dict:
    """Environment variables read by warehouse/profiles.yml."""
    p = url_parts(url)
    return {
        "WAREHOUSE_HOST": p["host"],
        "WAREHOUSE_PORT": str(p["port"]),
        "WAREHOUSE_USER": p["user"],
        "WAREHOUSE_PASSWORD": p["password"],
        "WAREHOUSE_DBNAME": p["dbname"],
    }
