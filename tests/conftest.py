"""Shared fixtures: the real PostgreSQL (embedded unless WAREHOUSE_URL is set) and scratch databases."""
from __future__ import annotations

import contextlib
import io
import os
import uuid

import psycopg
import pytest

from foundation import settings

# The modules that build a whole warehouse of their own in scratch databases, with their own var/ folder (dbt-bound,
# about half of the suite's time). `make test` runs two pytest-xdist workers: these modules are units of work of their
# own, taken by whichever worker is free; every other test reads or changes the shared warehouse, Superset, the cube,
# the portal or var/, so all of them are one unit of work: one worker, file order, as without xdist.
OWN_BUILD_MODULES = frozenset({"tests/integration/test_release.py", "tests/integration/test_incremental.py",
                               "tests/integration/test_partial_delivery.py", "tests/integration/test_warehouse.py",
                               "tests/integration/test_edge_cases.py", "tests/integration/test_topics.py",
                               "tests/integration/test_governance.py"})


def pytest_collection_modifyitems(config, items):
    """`-m own_build` / `-m "not own_build"` select them."""
    for item in items:
        if item.nodeid.split("::", 1)[0] in OWN_BUILD_MODULES:
            item.add_marker(pytest.mark.own_build)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's own grouping (--dist loadgroup) does nothing under pytest 9.2, whose node ids it can no longer
    suffix; this scheduler forms the units of work from the node ids instead (see OWN_BUILD_MODULES)."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedAndOwnBuild(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in OWN_BUILD_MODULES else "shared"

    return SharedAndOwnBuild(config, log)


@pytest.fixture(autouse=True)
def _component_does_not_leak():
    """Entry points declare the component they run as (settings.use_component sets WAREHOUSE_COMPONENT in the
    process, e.g. the loader's main as wh_loader); a test that calls one in-process must not make the tests
    after it log in as that role."""
    before = os.environ.get(settings.COMPONENT_ENV)
    yield
    settings.use_component(before)


@pytest.fixture()
def damaged_xlsx():
    """A function: the bytes of an XLSX whose zip directory is intact but whose first worksheet's compressed data is
    damaged (20 bytes inverted, as a bad transfer or disk does) — opening it fails inside the decompressor."""
    import zipfile

    def damage(data: bytes) -> bytes:
        out = bytearray(data)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("xl/worksheets/sheet1.xml")
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
        for i in range(start, start + 20):
            out[i] ^= 0xFF
        return bytes(out)

    return damage


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

