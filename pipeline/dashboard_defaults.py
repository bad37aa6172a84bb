"""After a publish or rollback: the dashboards' 月份 filters default to the newest month of the official release, and
Superset's result cache is filled again (warm).

The default is written into Superset's dashboard metadata (superset/manage.py month-default: the filter's
defaultDataMask), so that a dashboard's charts ask for their data as soon as the page has the dashboard's metadata
instead of waiting for the filter's options query (issue 19). Superset runs in its own virtual environment, hence the
subprocess. Nothing to do when Superset was never set up here (its import writes the default), or when the release
changed in another database than the one Superset reads (a test's scratch warehouse).
"""
from __future__ import annotations

import subprocess

from foundation import settings

SUPERSET_PY = settings.ROOT / ".venv-superset" / "bin" / "python"
MANAGE = settings.ROOT / "superset" / "manage.py"
METADATA_DB = settings.VAR / "superset" / "superset.db"


def refresh(url: str | None = None, log=print) -> bool:
    """Run `manage.py month-default`; True when it ran and succeeded. A failure is logged, not raised: the release
    stands, and a stale default is corrected by the filter itself (it still selects the newest of its options)."""
    return _manage("month-default", url, log, "月份筛选默认值", "已更新", "未更新", timeout=600)


def warm(url: str | None = None, log=print) -> bool:
    """After refresh(): fill Superset's emptied result cache with every dashboard's charts as a city-wide login opens
    them with their default filters (`manage.py warm-cache`), so that the first opening after a publish or rollback
    does not run the charts' queries (issue 19). A failure is logged, not raised: the dashboards then compute their
    data when opened."""
    return _manage("warm-cache", url, log, "结果缓存", "已预热", "未预热", timeout=1800)


def _manage(command: str, url: str | None, log, what: str, done: str, failed: str, timeout: float) -> bool:
    """`manage.py <command>` in Superset's venv; False (logged) when not applicable here or when it failed."""
    if url is not None and url != settings.warehouse_url():
        return False
    if not (SUPERSET_PY.exists() and METADATA_DB.exists()):
        return False
    try:
        res = subprocess.run([str(SUPERSET_PY), str(MANAGE), command], cwd=settings.ROOT,
                             capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        log(f"[dashboards] {what}{failed}: {e}")
        return False
    if res.returncode != 0:
        log(f"[dashboards] {what}{failed} (superset/manage.py {command}, exit {res.returncode}): "
            f"{(res.stderr or res.stdout).strip()[-600:]}")
        return False
    log(res.stdout.strip().splitlines()[-1] if res.stdout.strip() else f"[dashboards] {what}{done}")
    return True
