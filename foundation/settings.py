"""Every setting of the platform in one typed object, read from the environment when asked (never at import).

The same code runs against the embedded PostgreSQL (default) or an external server
(``WAREHOUSE_URL=postgresql://user:pass@host:port/db``). ``settings.get()`` returns a fresh
:class:`Settings` from the current environment (a handful of dictionary reads), so a variable changed by a test
or a benchmark is seen by the next call. The module's upper-case names (``settings.VAR``, ``settings.EXCHANGE``
…) are the same values, resolved from ``get()`` on access.

Standard library only: Superset's configuration (another virtual environment) imports it too.

| variable | default | meaning |
|---|---|---|
| WAREHOUSE_VAR | <repo>/var | run-time data: drop zone, database, reports, secrets |
| WAREHOUSE_URL | (embedded) | an external PostgreSQL instead of the embedded cluster |
| WAREHOUSE_PG_PORT | 55432 | port of the embedded cluster |
| WAREHOUSE_RESTORE_PORT | 55499 | port of the scratch cluster the restore test starts |
| WAREHOUSE_BACKUP_RETAIN | 3 | backup periods kept |
| WAREHOUSE_RAW_KEEP_MONTHS | 13 | loaded months of an interface kept in the raw layer (older ones may be archived) |
| WAREHOUSE_OPERATOR | login name | who the audit logs record |
| DBT_TARGET_PATH | warehouse/target | dbt's target folder (MetricFlow reads warehouse/target) |
| DBT_LOG_PATH | var/dbt/logs | dbt's log folder |
| CUBE_HOST / CUBE_PORT / CUBE_WORKERS | 127.0.0.1 / 8089 / 2 | the cube service |
| CUBE_SCHEMA / CUBE_REVIEW_SCHEMA | official / marts | schemas of the official and the review release |
| CUBE_POOL_SIZE / CUBE_STATEMENT_TIMEOUT_MS | 8 / 60000 | cube connection pool and statement timeout |
| CUBE_CACHE_ENTRIES / CUBE_AGGREGATES | 5000 / on | cube result cache size; use of pre-aggregates |
| CUBE_MODELS_DIR / CUBE_TOKENS_FILE / CUBE_DATA_VERSION_FILE | cube/cubes, var/secrets/cube_tokens.json, var/cube/data_version | cube files |
| SUPERSET_PORT / SUPERSET_WORKERS / SUPERSET_START_TIMEOUT | 8088 / 2–4 / 180 | Superset web server |
| SUPERSET_USER_PASSWORD | (none) | password of a Superset user being created |
"""
from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

# Everything the warehouse's processes create (drops with ID numbers, rejects, reports, Superset's metadata,
# secrets, backups) is for the owner only: files 0600, folders 0700, from the moment they are created.
os.umask(0o077)

ROOT = Path(__file__).resolve().parent.parent
INTERFACES = ROOT / "interfaces"
WAREHOUSE_DBT = ROOT / "warehouse"
SEEDS = WAREHOUSE_DBT / "seeds"
EMBEDDED_USER = "warehouse"
EMBEDDED_DB = "warehouse"
_OFF = ("off", "0", "false", "no")


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid without a passwd entry (containers)
        return str(os.getuid())


@dataclass(frozen=True)
class Settings:
    var: Path
    warehouse_url: str | None
    pg_port: int
    restore_port: int
    backup_retain: int
    raw_keep_months: int
    operator: str
    dbt_target_path: Path
    dbt_log_path: Path
    cube_host: str
    cube_port: int
    cube_workers: int
    cube_schema: str
    cube_review_schema: str
    cube_pool_size: int
    cube_statement_timeout_ms: int
    cube_cache_entries: int
    cube_aggregates: bool
    cube_models_dir: Path
    cube_tokens_file: Path
    cube_data_version_file: Path
    portal_port: int
    portal_workers: int
    superset_port: int
    superset_workers: int
    superset_start_timeout: float
    superset_user_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        var = Path(e.get("WAREHOUSE_VAR", ROOT / "var"))
        return cls(
            var=var,
            warehouse_url=e.get("WAREHOUSE_URL") or None,
            pg_port=int(e.get("WAREHOUSE_PG_PORT", "55432")),
            restore_port=int(e.get("WAREHOUSE_RESTORE_PORT", "55499")),
            backup_retain=int(e.get("WAREHOUSE_BACKUP_RETAIN", "3")),
            raw_keep_months=int(e.get("WAREHOUSE_RAW_KEEP_MONTHS", "13")),
            operator=e.get("WAREHOUSE_OPERATOR") or _operator(),
            dbt_target_path=Path(e.get("DBT_TARGET_PATH", WAREHOUSE_DBT / "target")),
            dbt_log_path=Path(e.get("DBT_LOG_PATH", var / "dbt" / "logs")),
            cube_host=e.get("CUBE_HOST", "127.0.0.1"),
            cube_port=int(e.get("CUBE_PORT", "8089")),
            cube_workers=int(e.get("CUBE_WORKERS", "2")),
            cube_schema=e.get("CUBE_SCHEMA", "official"),
            cube_review_schema=e.get("CUBE_REVIEW_SCHEMA", "marts"),
            cube_pool_size=int(e.get("CUBE_POOL_SIZE", "8")),
            cube_statement_timeout_ms=int(e.get("CUBE_STATEMENT_TIMEOUT_MS", "60000")),
            cube_cache_entries=int(e.get("CUBE_CACHE_ENTRIES", "5000")),
            cube_aggregates=e.get("CUBE_AGGREGATES", "on").lower() not in _OFF,
            cube_models_dir=Path(e.get("CUBE_MODELS_DIR", ROOT / "cube" / "cubes")),
            cube_tokens_file=Path(e.get("CUBE_TOKENS_FILE", var / "secrets" / "cube_tokens.json")),
            cube_data_version_file=Path(e.get("CUBE_DATA_VERSION_FILE", var / "cube" / "data_version")),
            portal_port=int(e.get("PORTAL_PORT", "8090")),
            portal_workers=int(e.get("PORTAL_WORKERS", "2")),
            superset_port=int(e.get("SUPERSET_PORT", "8088")),
            superset_workers=int(e.get("SUPERSET_WORKERS", str(min(4, max(2, os.cpu_count() or 2))))),
            superset_start_timeout=float(e.get("SUPERSET_START_TIMEOUT", "180")),
            superset_user_password=e.get("SUPERSET_USER_PASSWORD") or None,
        )

    # ---- folders under var/ (git-ignored)
    @property
    def exchange(self) -> Path:
        """The drop zone: var/exchange/<YYYYMM>/."""
        return self.var / "exchange"

    @property
    def rejects(self) -> Path:
        """Reject files, one per file and rule."""
        return self.var / "rejects"

    @property
    def reports(self) -> Path:
        """Error and quality reports."""
        return self.var / "reports"

    @property
    def pgdata(self) -> Path:
        return self.var / "pgdata"

    @property
    def secrets(self) -> Path:
        """Generated passwords and keys, never committed."""
        return self.var / "secrets"


def get() -> Settings:
    """The settings as the environment says now."""
    return Settings.from_env()


# The module-level names the rest of the code reads (settings.VAR …), resolved from get() when accessed.
_DERIVED = {
    "VAR": lambda s: s.var,
    "EXCHANGE": lambda s: s.exchange,
    "REJECTS": lambda s: s.rejects,
    "REPORTS": lambda s: s.reports,
    "PGDATA": lambda s: s.pgdata,
    "SECRETS": lambda s: s.secrets,
    "EMBEDDED_PORT": lambda s: s.pg_port,
    "ROLE_PASSWORDS": lambda s: s.secrets / "pg_roles.json",   # database role -> password (pipeline/roles.py)
}
SETUP_KEY = "_database"          # in pg_roles.json: host:port/dbname the roles were set up for
COMPONENT_ENV = "WAREHOUSE_COMPONENT"


def __getattr__(name: str):
    if name in _DERIVED:
        return _DERIVED[name](get())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def embedded_password() -> str:
    """The embedded cluster's password, generated once into var/secrets (not in the repo)."""
    path = get().secrets / "pg_password"
    if not path.exists():
        import secrets

        write_private(path, secrets.token_urlsafe(24))
    return path.read_text().strip()


def private_dir(path: Path) -> Path:
    """Create a folder readable by the owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file created 0600 from the start (no window where it is world-readable)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


PRIVATE_TREES = ("exchange", "rejects", "reports", "superset", "secrets", "backups", "cube", "dbt", "templates",
                 "screenshots", "restore-test")


def harden_var(service_group: int | None = None) -> list[str]:
    """var/ 0700 (0710 with the embedded PostgreSQL's service group when a cluster from before still lives in a
    real var/pgdata folder), and everything in the private trees owner-only, including what older versions left
    world-readable. Returns the paths whose mode was changed."""
    var = get().var
    changed = []
    var.mkdir(parents=True, exist_ok=True)
    want = 0o710 if service_group is not None else 0o700
    if service_group is not None and var.stat().st_gid != service_group:
        os.chown(var, -1, service_group)
    if var.stat().st_mode & 0o777 != want:
        var.chmod(want)
        changed.append(str(var))
    for name in PRIVATE_TREES:
        top = var / name
        if not top.exists():
            continue
        for p in [top, *top.rglob("*")]:
            if p.is_symlink():
                continue
            mode = p.stat().st_mode & 0o777
            new = (mode & 0o700) | (0o700 if p.is_dir() else 0)
            if mode != new:
                p.chmod(new)
                changed.append(str(p))
    return changed


def role_password(role: str) -> str | None:
    import json

    try:
        return json.loads((get().secrets / "pg_roles.json").read_text(encoding="utf-8")).get(role)
    except FileNotFoundError:
        return None


def role_url(role: str, url: str | None = None) -> str:
    """The admin URL with the login of one of the warehouse's own database roles (access/model.yaml)."""
    password = role_password(role)
    if password is None:
        raise RuntimeError(f"database role {role} is not set up (no password for it in var/secrets/pg_roles.json): "
                           f"run `make db` (python -m cli roles setup)")
    parts = urlsplit(url or admin_url())
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def use_component(component: str | None) -> None:
    """The component this process runs as (loader, dbt, publish, backup, cube, …): from now on warehouse_url()
    logs in as that component's role, never as the owner."""
    if component:
        os.environ[COMPONENT_ENV] = component
    else:
        os.environ.pop(COMPONENT_ENV, None)


_warned: set[str] = set()


def component_url(component: str) -> str:
    """The component's own role. With a WAREHOUSE_URL whose database has no roles set up from this var/
    (scratch databases of the tests and benchmarks, or a server whose DBA has not run `python -m cli roles
    setup` yet) the process runs as WAREHOUSE_URL's user and says so once on stderr; the embedded cluster
    always has its roles (`make db`)."""
    from access import component_role

    role = component_role(component)
    p = url_parts(admin_url())
    if get().warehouse_url and (role_password(role) is None
                                or role_password(SETUP_KEY) != f"{p['host']}:{p['port']}/{p['dbname']}"):
        if component not in _warned:
            import sys

            _warned.add(component)
            print(f"[settings] database roles are not set up for WAREHOUSE_URL in {get().var} (python -m cli roles "
                  f"setup): {component} runs as {p['user']}", file=sys.stderr)
        return admin_url()
    return role_url(role)


def warehouse_url() -> str:
    """SQLAlchemy/libpq URL of the warehouse database for the running component (see use_component), or the
    admin URL in a process that declared none (setup, tests, operators' tools)."""
    component = os.environ.get(COMPONENT_ENV)
    return component_url(component) if component else admin_url()


def admin_url() -> str:
    """The owner / administrator URL (embedded superuser `warehouse`, or WAREHOUSE_URL). Used only to set up
    the database roles (pipeline/roles.py) and by operators' tools (psql, status, restore test)."""
    s = get()
    if s.warehouse_url:
        return s.warehouse_url
    return (
        f"postgresql://{EMBEDDED_USER}:{quote(embedded_password(), safe='')}"
        f"@127.0.0.1:{s.pg_port}/{EMBEDDED_DB}"
    )


def url_parts(url: str | None = None) -> dict:
    """Split the URL into the pieces dbt's profile and libpq tools want."""
    parts = urlsplit(url or warehouse_url())  # noqa: the running component's URL unless one is given
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "dbname": (parts.path or "/").lstrip("/") or "postgres",
    }


def dbt_env(url: str | None = None) -> dict:
    """Environment variables read by warehouse/profiles.yml."""
    p = url_parts(url)
    return {
        "WAREHOUSE_HOST": p["host"],
        "WAREHOUSE_PORT": str(p["port"]),
        "WAREHOUSE_USER": p["user"],
        "WAREHOUSE_PASSWORD": p["password"],
        "WAREHOUSE_DBNAME": p["dbname"],
    }


def fixed_reports_enabled() -> bool:
    """Whether build and publish write the fixed reports and the supervision bulletin (WAREHOUSE_FIXED_REPORTS,
    default on; scratch pipelines of the tests that check other things turn it off to save their minute)."""
    return os.environ.get("WAREHOUSE_FIXED_REPORTS", "on").lower() not in _OFF
