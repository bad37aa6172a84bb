"""Shared fixtures: the real PostgreSQL (embedded unless WAREHOUSE_URL is set) and scratch databases."""
from __future__ import annotations

import os
import uuid

import psycopg
import pytest

from ops import settings


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of the warehouse database on a running server (started if embedded)."""
    if not os.environ.get("WAREHOUSE_URL"):
        from ops import pg

        pg.start()
    return settings.warehouse_url()


@pytest.fixture()
def scratch_url(server_url):
    """A fresh, empty database on the same server, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
