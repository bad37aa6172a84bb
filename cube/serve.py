"""Run the cube service in the background.

    python -m cube.serve start | stop | status | restart

uvicorn on 127.0.0.1:${CUBE_PORT:-8089} (loopback only; put a reverse proxy in front to publish it),
pid file var/cube/server.pid, log var/cube/server.log. ``start`` generates the access tokens on first use
(var/secrets/cube_tokens.json, one per role, see cube/access.py), waits until /health answers and prints
the URL and where the tokens are; it does nothing if the service is already running.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from foundation import settings

RUN_DIR = settings.VAR / "cube"
PID_FILE = RUN_DIR / "server.pid"
LOG_FILE = RUN_DIR / "server.log"


def host() -> str:
    h = settings.get().cube_host
    if h not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"CUBE_HOST={h!r}: the cube service binds the loopback interface only (127.0.0.1)")
    return "127.0.0.1" if h == "localhost" else h


def port() -> int:
    return settings.get().cube_port


def url() -> str:
    return f"http://{host()}:{port()}"


def _pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def _health(timeout: float = 2.0) -> bool:
    """/health answers exactly "ok" (and nothing else about the service) when it and its database are up."""
    try:
        with urllib.request.urlopen(f"{url()}/health", timeout=timeout) as resp:
            return resp.read().decode().strip() == "ok"
    except OSError:
        return False


def start(wait: float = 30.0) -> int:
    pid = _pid()
    if pid:
        print(f"cube service already running (pid {pid}): {url()}")
        return 0
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    from cube import access

    tokens = access.ensure_tokens(log=print)
    print(f"cube access tokens (Authorization: Bearer <token>, one per role): {tokens}")
    env = {**os.environ, settings.COMPONENT_ENV: "cube",   # read-only role wh_cube, never the owner
           "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "uvicorn", "cube.app:app", "--host", host(), "--port", str(port()),
           "--workers", str(settings.get().cube_workers)]
    with open(LOG_FILE, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=settings.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    PID_FILE.write_text(str(proc.pid))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
            print(f"cube service exited with code {proc.returncode}; see {LOG_FILE}", file=sys.stderr)
            return 1
        if _health():
            print(f"cube service running (pid {proc.pid}): {url()}  (API docs {url()}/docs; "
                  "database role wh_cube)")
            return 0
        time.sleep(0.3)
    print(f"cube service did not answer {url()}/health within {wait:.0f}s; see {LOG_FILE}", file=sys.stderr)
    return 1


def stop(wait: float = 10.0) -> int:
    pid = _pid()
    if not pid:
        PID_FILE.unlink(missing_ok=True)
        print("cube service not running")
        return 0
    try:
        os.killpg(pid, signal.SIGTERM)          # our own session: uvicorn and its workers
    except (ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _pid():
        time.sleep(0.2)
    if _pid():
        os.killpg(pid, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    print(f"cube service stopped (pid {pid})")
    return 0


def status() -> int:
    pid = _pid()
    if not pid:
        print("cube service not running")
        return 1
    if _health():
        print(f"cube service running (pid {pid}): {url()}  (database reachable)")
        return 0
    print(f"cube service process {pid} is up but {url()}/health does not answer; see {LOG_FILE}")
    return 2


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
        return status()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
