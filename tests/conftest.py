"""Shared fixtures: the real PostgreSQL (embedded unless WAREHOUSE_URL is set) and scratch databases."""
from __future__ import annotations

import contextlib
import os
import uuid

import psycopg
import pytest

from foundation import settings


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """`make test` runs two pytest-xdist workers (`-n 2 --dist loadgroup`). Everything that reads or changes the
    shared warehouse, Superset, the cube, the portal and var/ runs in one worker, in file order, as before; each
    module marked own_build (a whole warehouse built in its own scratch databases, dbt-bound) is a unit of work
    of its own, taken by whichever worker is free. Without -n the marks change nothing."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else "shared"
        group = module if item.get_closest_marker("own_build") else "shared"
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def _component_does_not_leak():
    """Entry points declare the component they run as (settings.use_component sets WAREHOUSE_COMPONENT in the
    process, e.g. the loader's main as wh_loader); a test that calls one in-process must not make the tests
    after it log in as that role."""
    before = os.environ.get(settings.COMPONENT_ENV)
    yield
    settings.use_component(before)


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of the warehouse database on a running server (started if embedded)."""
    if not os.environ.get("WAREHOUSE_URL"):
        from runtime import pg

        pg.start()
    return settings.warehouse_url()


@contextlib.contextmanager
def scratch_database(server_url: str, label: str = "test"):
    """A fresh, empty database `<label>_<random>` on the server of `server_url`, dropped on exit."""
    name = f"{label}_{uuid.uuid4().hex[:10]}"
    base = server_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture()
def scratch_url(server_url):
    """A fresh, empty database for one test."""
    with scratch_database(server_url) as url:
        yield url


@pytest.fixture(scope="module")
def module_scratch_url(server_url, request):
    """A fresh, empty database shared by the tests of one module (for modules that build once and then
    test many things), named after the module: test_release → test_release_<random>."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    with scratch_database(server_url, module[:40]) as url:
        yield url
