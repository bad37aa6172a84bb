"""Invalidate the result caches of Superset and the cube after the data changed (build, publish, rollback)."""
from __future__ import annotations

import shutil

from foundation import settings

CACHE_DIRS = [settings.VAR / "superset" / "cache" / "data", settings.VAR / "superset" / "cache" / "meta",
              settings.VAR / "cube" / "cache"]


def invalidate(log=print) -> None:
    from pipeline import dashboard_defaults

    # a warm-up of the previous data still running would write its results into the emptied cache
    dashboard_defaults.stop_warm_up()
    for d in CACHE_DIRS:
        if d.exists():
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True, exist_ok=True)
    # The cube keeps a generation stamp; bumping it makes running cube servers drop their caches.
    stamp = settings.VAR / "cube" / "data_version"
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(str(int(stamp.read_text() or 0) + 1 if stamp.exists() else 1))
    log("[caches] Superset and cube result caches invalidated")
