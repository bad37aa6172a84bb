"""The guard of the integration modules that read the official release `make test` publishes before pytest."""
from __future__ import annotations

import psycopg
import pytest


def require_official(conn: psycopg.Connection, relation: str = "release_info") -> None:
    """Fail (not skip) the module when official.<relation> does not exist: the release was not built and published."""
    if not conn.execute("select to_regclass(%s)", (f"official.{relation}",)).fetchone()[0]:
        pytest.fail(f"no official release (official.{relation} is missing): run `make db generate build signoff-demo "
                    "publish` first (make test does)")
