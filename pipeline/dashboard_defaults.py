"""After a publish or rollback: the dashboards' 月份 filters default to the newest month of the official release, and
Superset's result cache is filled again (warm).

The default is written into Superset's dashboard metadata (superset/manage.py month-default: the filter's
defaultDataMask), so that a dashboard's charts ask for their data as soon as the page has the dashboard's metadata
instead of waiting for the filter's options query (issue 19). Superset runs in its own virtual environment, hence the
subprocess. Nothing to do when Superset was never set up here (its import writes the default), or when the release
changed in another database than the one Superset reads (a test's scratch warehouse).
"""
from __future__ import annotations

import os
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
    """After refresh(): start filling Superset's emptied result cache with every dashboard's charts as a city-wide
    login opens them with their default filters (`manage.py warm-cache`), so that the first opening after a publish
    or rollback does not run the charts' queries (issue 19). In the background: the release is live already and a
    warm-up takes minutes (116 s for the 228 charts at the demo scale under load 8) — publish does not wait for it
    (issue 20's publish budget), a dashboard opened meanwhile computes what is not cached yet. Its output goes to
    var/superset/warm-cache.log. SUPERSET_WARM_CACHE=0 turns it off (`make test`: the browser tests empty and fill
    the cache themselves). True when started."""
    if os.environ.get("SUPERSET_WARM_CACHE", "1") == "0" or not _applies(url):
        return False
    out = settings.VAR / "superset" / "warm-cache.log"
    try:
        with open(out, "ab") as f:
            os.chmod(out, 0o600)
            subprocess.Popen([str(SUPERSET_PY), str(MANAGE), "warm-cache"], cwd=settings.ROOT, stdout=f,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as e:
        log(f"[dashboards] 结果缓存未预热: {e}")
        return False
    log(f"[dashboards] 结果缓存预热已在后台开始 (日志 {out.relative_to(settings.ROOT)})")
    return True


def _applies(url: str | None) -> bool:
    """Superset was set up here and reads the database whose release changed."""
    if url is not None and url != settings.warehouse_url():
        return False
    return SUPERSET_PY.exists() and METADATA_DB.exists()


def _manage(command: str, url: str | None, log, what: str, done: str, failed: str, timeout: float) -> bool:
    """`manage.py <command>` in Superset's venv; False (logged) when not applicable here or when it failed."""
    if not _applies(url):
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
