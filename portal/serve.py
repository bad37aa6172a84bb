"""Run the portal in the background.

    python -m portal.serve start | stop | status | restart

uvicorn on 127.0.0.1:${PORTAL_PORT:-8090} (loopback only), pid file var/portal/server.pid, log
var/portal/server.log. ``start`` creates schema history and the catalogue if missing, loads the published
figures once, generates the demo users' passwords (var/secrets/portal_users.json), waits for /api/health.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from foundation import settings

RUN_DIR = settings.VAR / "portal"
PID_FILE = RUN_DIR / "server.pid"
LOG_FILE = RUN_DIR / "server.log"


def port() -> int:
    return int(os.environ.get("PORTAL_PORT", "8090"))


def url() -> str:
    return f"http://127.0.0.1:{port()}"


def _pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        return pid


def _health() -> dict | None:
    try:
        with urllib.request.urlopen(f"{url()}/api/health", timeout=2) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def prepare(log=print) -> None:
    from history import load, store
    from portal import access

    with store.connect() as conn:
        store.sync_catalogue(conn)
        if not conn.execute(f"select 1 from {store.SCHEMA}.load where kind = 'published' limit 1").fetchone():
            load.load_published(conn, log=log)
    access.ensure_users(log=log)


def start(wait: float = 30.0) -> int:
    pid = _pid()
    if pid:
        print(f"portal already running (pid {pid}): {url()}")
        return 0
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    prepare()
    # the server logs in as the portal's own role (wh_portal), never as the owner; prepare() above set up the
    # schema as the administrator
    env = {**os.environ, settings.COMPONENT_ENV: "portal",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "uvicorn", "portal.app:app", "--host", "127.0.0.1", "--port", str(port()),
           "--workers", os.environ.get("PORTAL_WORKERS", "2")]
    with open(LOG_FILE, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=settings.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    PID_FILE.write_text(str(proc.pid))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
            print(f"portal exited with code {proc.returncode}; see {LOG_FILE}", file=sys.stderr)
            return 1
        if _health():
            print(f"portal running (pid {proc.pid}): {url()}/  (API {url()}/docs; users and passwords in "
                  f"{settings.SECRETS / 'portal_users.json'})")
            return 0
        time.sleep(0.3)
    print(f"portal did not answer {url()}/api/health within {wait:.0f}s; see {LOG_FILE}", file=sys.stderr)
    return 1


def stop(wait: float = 10.0) -> int:
    pid = _pid()
    if not pid:
        PID_FILE.unlink(missing_ok=True)
        print("portal not running")
        return 0
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _pid():
        time.sleep(0.2)
    if _pid():
        os.killpg(pid, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    print(f"portal stopped (pid {pid})")
    return 0


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "status"
    if cmd == "start":
        return start()
    if cmd == "stop":
        return stop()
    if cmd == "restart":
        stop()
        return start()
    if cmd == "status":
        pid = _pid()
        print(f"portal running (pid {pid}): {url()}" if pid else "portal not running")
        return 0 if pid else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
