"""Run one of the web services (cube API, portal) in the background on the loopback interface.

    python -m cube.serve start | stop | status | restart
    python -m portal.serve start | stop | status | restart

uvicorn in its own session (so stopping it stops its workers), pid file and log in var/<name>/, logging in to
PostgreSQL as the service's own database role (WAREHOUSE_COMPONENT; access/model.yaml), never as the owner.
``start`` does nothing when the service already runs, otherwise runs the service's preparation, starts it and
waits until its health URL answers.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from foundation import settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class WebService:
    label: str                              # how messages name it: "cube service", "portal"
    app: str                                # uvicorn's "module:attribute"
    component: str                          # its database role (access/model.yaml)
    run_dir_name: str                       # var/<run_dir_name>/server.pid|log
    health_path: str                        # answers when the service and its database are up
    healthy: Callable[[bytes], bool]        # is this health answer a good one?
    port: Callable[[], int]
    workers: Callable[[], int]
    host: Callable[[], str] = lambda: "127.0.0.1"
    running_note: Callable[[str], str] = lambda url: ""   # what to tell the user once it runs

    @property
    def run_dir(self) -> Path:
        return settings.VAR / self.run_dir_name

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "server.log"

    def bind_host(self) -> str:
        host = self.host()
        if host not in LOOPBACK:
            raise SystemExit(f"{self.label} binds the loopback interface only (127.0.0.1), not {host!r}")
        return "127.0.0.1" if host == "localhost" else host

    def url(self) -> str:
        return f"http://{self.bind_host()}:{self.port()}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def is_healthy(self, timeout: float = 2.0) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url()}{self.health_path}", timeout=timeout) as resp:
                return self.healthy(resp.read())
        except OSError:
            return False

    def start(self, prepare: Callable[[], None] | None = None, wait: float = 30.0) -> int:
        pid = self.pid()
        if pid:
            print(f"{self.label} already running (pid {pid}): {self.url()}")
            return 0
        settings.private_dir(self.run_dir)
        if prepare is not None:
            prepare()
        env = {**os.environ, settings.COMPONENT_ENV: self.component,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.ROOT), os.environ.get("PYTHONPATH")]))}
        cmd = [sys.executable, "-m", "uvicorn", self.app, "--host", self.bind_host(), "--port", str(self.port()),
               "--workers", str(self.workers())]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(cmd, cwd=settings.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                print(f"{self.label} exited with code {proc.returncode}; see {self.log_file}", file=sys.stderr)
                return 1
            if self.is_healthy():
                print(f"{self.label} running (pid {proc.pid}): {self.url()}  {self.running_note(self.url())}".rstrip())
                return 0
            time.sleep(0.3)
        print(f"{self.label} did not answer {self.url()}{self.health_path} within {wait:.0f}s; see {self.log_file}",
              file=sys.stderr)
        return 1

    def stop(self, wait: float = 10.0) -> int:
        pid = self.pid()
        if not pid:
            self.pid_file.unlink(missing_ok=True)
            print(f"{self.label} not running")
            return 0
        try:
            os.killpg(pid, signal.SIGTERM)          # our own session: uvicorn and its workers
        except (ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.pid():
            time.sleep(0.2)
        if self.pid():
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        print(f"{self.label} stopped (pid {pid})")
        return 0

    def status(self) -> int:
        pid = self.pid()
        if not pid:
            print(f"{self.label} not running")
            return 1
        if self.is_healthy():
            print(f"{self.label} running (pid {pid}): {self.url()}  (database reachable)")
            return 0
        print(f"{self.label} process {pid} is up but {self.url()}{self.health_path} does not answer; "
              f"see {self.log_file}")
        return 2

    def main(self, argv: list[str], usage: str, prepare: Callable[[], None] | None = None) -> int:
        cmd = argv[0] if argv else "status"
        if cmd == "start":
            return self.start(prepare)
        if cmd == "stop":
            return self.stop()
        if cmd == "restart":
            self.stop()
            return self.start(prepare)
        if cmd == "status":
            return self.status()
        if cmd == "url":
            print(self.url())
            return 0
        print(usage, file=sys.stderr)
        return 2
