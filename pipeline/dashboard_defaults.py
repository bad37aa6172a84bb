"""After a publish or rollback: the dashboards' 月份 filters default to the newest month of the official release, and
Superset's result cache is filled again (warm) — after a build too, which empties it as well.

The default is written into Superset's dashboard metadata (superset/manage.py month-default: the filter's
defaultDataMask), so that a dashboard's charts ask for their data as soon as the page has the dashboard's metadata
instead of waiting for the filter's options query (issue 19). Superset runs in its own virtual environment, hence the
subprocess. Nothing to do when Superset was never set up here (its import writes the default), or when the release
changed in another database than the one Superset reads (a test's scratch warehouse).
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from foundation import settings

SUPERSET_PY = settings.ROOT / ".venv-superset" / "bin" / "python"
MANAGE = settings.ROOT / "superset" / "manage.py"
METADATA_DB = settings.VAR / "superset" / "superset.db"
WARM_PID = settings.VAR / "superset" / "warm-cache.pid"


def refresh(url: str | None = None, log=print) -> bool:
    """Run `manage.py month-default`; True when it ran and succeeded. A failure is logged, not raised: the release
    stands, and a stale default is corrected by the filter itself (it still selects the newest of its options)."""
    return _manage("month-default", url, log, "月份筛选默认值", "已更新", "未更新", timeout=600)


def warm(url: str | None = None, log=print) -> bool:
    """After the caches were emptied (build, publish, rollback; after refresh() for the last two): start filling
    Superset's result cache with every dashboard's charts as they are opened with their default filters
    (`manage.py warm-cache`: the city-wide login, then each district login that has users), so that the first opening
    does not run the charts' queries (issue 19). In the background: a warm-up takes minutes under load (116 s for
    the 228 charts of the city-wide login at the demo scale, load 8) and nobody waits for it — a dashboard opened
    meanwhile computes what is not cached yet. A warm-up still running from an earlier step is stopped first (also
    by caches.invalidate(), so that no result of the previous data is written after the caches were emptied). Its
    output goes to var/superset/warm-cache.log. SUPERSET_WARM_CACHE=0 turns it off (`make test`: the browser tests
    empty and fill the cache themselves). True when started."""
    if os.environ.get("SUPERSET_WARM_CACHE", "1") == "0" or not _applies(url):
        return False
    stop_warm_up()
    out = settings.VAR / "superset" / "warm-cache.log"
    try:
        with open(out, "ab") as f:
            os.chmod(out, 0o600)
            proc = subprocess.Popen([str(SUPERSET_PY), str(MANAGE), "warm-cache"], cwd=settings.ROOT, stdout=f,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        # Popen returns once the child execs, but its command line (which stop_warm_up checks, so as never to kill
        # a process that reused the pid) reads empty until the kernel has set up the new program's arguments: a few
        # milliseconds, more under load — seen once in a make test
        deadline = time.time() + 5
        while b"warm-cache" not in _cmdline(proc.pid) and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        WARM_PID.write_text(str(proc.pid))
    except OSError as e:
        log(f"[dashboards] 结果缓存未预热: {e}")
        return False
    log(f"[dashboards] 结果缓存预热已在后台开始 (日志 {out.relative_to(settings.ROOT)})")
    return True


def stop_warm_up(timeout: float = 30) -> bool:
    """Stop a warm-up started by warm() that is still running (its whole process group); True when one was."""
    try:
        pid = int(WARM_PID.read_text())
    except (OSError, ValueError):
        return False
    finally:
        WARM_PID.unlink(missing_ok=True)
    if b"warm-cache" not in _cmdline(pid):   # ended, or the pid was reused by another process: not ours
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.time() + timeout
    while time.time() < deadline and Path(f"/proc/{pid}").exists() and b"warm-cache" in _cmdline(pid):
        time.sleep(0.1)
    return True


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


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
