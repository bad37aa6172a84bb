"""The split of `make test` into two workers (tests/conftest.py): a module listed as building its own warehouse must
exist (a renamed module would silently fall back to the shared worker) and must really work on a database of its own
(one that touches the shared warehouse beside the other worker could race the browser and service tests)."""
from pathlib import Path

from foundation import settings
from tests.conftest import OWN_BUILD_MODULES


def test_every_own_build_module_exists_and_works_on_its_own_database():
    assert len(OWN_BUILD_MODULES) >= 7
    for name in sorted(OWN_BUILD_MODULES):
        path = settings.ROOT / name
        assert path.is_file(), f"{name} is listed in OWN_BUILD_MODULES but does not exist"
        text = path.read_text(encoding="utf-8")
        assert "module_scratch_url" in text or "create database" in text, \
            f"{name} builds no database of its own: it belongs with the shared tests"


def test_the_shared_tests_keep_the_shared_fixtures():
    """The modules that read the published warehouse stay in the shared unit of work."""
    shared = {str(p.relative_to(settings.ROOT)) for p in Path(settings.ROOT, "tests").rglob("test_*.py")
              if "require_official" in p.read_text(encoding="utf-8")}
    assert shared and not shared & OWN_BUILD_MODULES, shared & OWN_BUILD_MODULES
