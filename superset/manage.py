"""Set up, load and run Superset for the warehouse. Run with the Superset venv's python:

    .venv-superset/bin/python superset/manage.py setup | import | start | stop | status

setup   migrate the metadata DB (only when not at the head revision), `superset init`
        (only when something changed), admin user and the warehouse roles.
import  render superset/dashboards/ with the real warehouse URL into var/superset/bundle/,
        zip it and import it, overwriting by UUID (skipped when nothing changed).
start   gunicorn on 127.0.0.1:${SUPERSET_PORT:-8088} in the background; waits for /health.
stop    stops it.

Secrets (SECRET_KEY, admin password) are generated into var/secrets/ on first use.
This script runs in the Superset venv: it imports nothing from the main venv, only
ops.settings (standard library) with the repo root appended to sys.path.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # append: the repo's superset/ folder must not shadow the package
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path.pop(0)             # likewise the script's own folder
from ops import settings  # noqa: E402

HOME = settings.VAR / "superset"
METADATA_DB = HOME / "superset.db"
LOG = HOME / "server.log"
PIDFILE = HOME / "server.pid"
BUNDLE_SRC = HERE / "dashboards"
BUNDLE_OUT = HOME / "bundle"
IMPORT_STAMP = HOME / "import.sha256"
INIT_STAMP = HOME / "init.stamp"
SECRET_KEY_FILE = settings.SECRETS / "superset_secret_key"
ADMIN_PASSWORD_FILE = settings.SECRETS / "superset_admin_password"
ADMIN_USER = "admin"
HOST = "127.0.0.1"
PORT = int(os.environ.get("SUPERSET_PORT", "8088"))
BIN = Path(sys.executable).parent


# ---------------------------------------------------------------- helpers
def _secret(path: Path, nbytes: int) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def env() -> dict:
    HOME.mkdir(parents=True, exist_ok=True)
    _secret(SECRET_KEY_FILE, 48)
    e = dict(os.environ)
    e.update(SUPERSET_CONFIG_PATH=str(HERE / "superset_config.py"), SUPERSET_HOME=str(HOME),
             FLASK_APP="superset.app:create_app()", PYTHONUNBUFFERED="1")
    os.environ.update(e)
    return e


def superset_cli(*args: str) -> None:
    res = subprocess.run([str(BIN / "superset"), *args], env=env(), capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-4000:] + res.stderr[-4000:])
        raise SystemExit(f"superset {' '.join(args)} failed ({res.returncode})")


def _query(sql: str, *params) -> list:
    """Read the SQLite metadata DB directly (fast, no Flask app)."""
    if not METADATA_DB.exists():
        return []
    con = sqlite3.connect(f"file:{METADATA_DB}?mode=ro", uri=True)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def _app():
    """A Superset Flask app (slow to build: only when there is work to do)."""
    env()
    import logging

    logging.disable(logging.WARNING)
    from superset.app import create_app

    return create_app()


def _version() -> str:
    from importlib.metadata import version

    return version("apache-superset")


def log(msg: str) -> None:
    print(f"[superset] {msg}", flush=True)


# ---------------------------------------------------------------- setup
def _head_revision() -> str:
    """Head of Superset's migrations, read from the files' text (importing them needs the app)."""
    import importlib.util
    import re

    versions = Path(importlib.util.find_spec("superset").origin).parent / "migrations" / "versions"
    revs, downs = set(), set()
    for f in versions.glob("*.py"):
        text = f.read_text(encoding="utf-8")
        m = re.search(r'^revision\s*=\s*["\']([0-9a-f]+)["\']', text, re.M)
        d = re.search(r"^down_revision\s*=\s*(.+)$", text, re.M)
        if m:
            revs.add(m.group(1))
        if d:
            downs.update(re.findall(r"[0-9a-f]{6,}", d.group(1)))
    heads = revs - downs
    if len(heads) != 1:
        raise SystemExit(f"cannot tell the migration head: {sorted(heads)}")
    return heads.pop()


ROLES_VERSION = "1"  # bump when _ensure_users_and_roles changes


def _ensure_users_and_roles() -> None:
    """Admin user and the warehouse roles (leadership, analyst, district)."""
    app = _app()
    with app.app_context():
        from superset import db, security_manager as sm

        password = _secret(ADMIN_PASSWORD_FILE, 18)
        admin = sm.find_user(username=ADMIN_USER)
        if admin is None:
            sm.add_user(ADMIN_USER, "管理员", "Admin", "admin@localhost", sm.find_role("Admin"),
                        password=password)
            log("created user admin")
        else:  # keep the account in step with the secret file
            from werkzeug.security import check_password_hash

            if not check_password_hash(admin.password, password):
                sm.reset_password(admin.id, password)

        gamma = sm.find_role("Gamma")
        sql_lab = sm.find_role("sql_lab")

        def role(name: str, *bases) -> None:
            """UI permissions of the bases; data access (datasource_access) is added by import."""
            r = sm.find_role(name) or sm.add_role(name)
            data = {p for p in r.permissions if p.permission.name == "datasource_access"}
            base = {p for b in bases if b for p in b.permissions}
            r.permissions = sorted(base | data, key=lambda p: p.id)

        role("leadership", gamma)          # reads dashboards
        role("analyst", gamma, sql_lab)    # + SQL Lab, explore, export
        role("district", gamma)            # + row-level security on district (see import)
        db.session.commit()


def cmd_setup() -> None:
    t0 = time.time()
    env()
    _secret(ADMIN_PASSWORD_FILE, 18)
    head = _head_revision()
    current = _query("select version_num from alembic_version")
    upgraded = False
    if not current or current[0][0] != head:
        log(f"db upgrade -> {head}")
        superset_cli("db", "upgrade")
        upgraded = True
    stamp = f"{_version()} {head} roles={ROLES_VERSION} {hashlib.sha256((HERE / 'superset_config.py').read_bytes()).hexdigest()}"
    has_admin = bool(_query("select 1 from ab_user where username = ?", ADMIN_USER))
    if upgraded or not INIT_STAMP.exists() or INIT_STAMP.read_text() != stamp or not has_admin:
        log("superset init (permissions and built-in roles)")
        superset_cli("init")
        _ensure_users_and_roles()
        INIT_STAMP.write_text(stamp)
    else:
        log("metadata DB at head, roles in place: nothing to do")
    log(f"setup done in {time.time() - t0:.1f}s")


# ---------------------------------------------------------------- import
def sqlalchemy_uri() -> str:
    url = settings.warehouse_url()
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg2://{rest}" if scheme in ("postgresql", "postgres") else url


def render() -> dict[str, str]:
    """The bundle as {path: yaml text}, with the real connection URL and the 'assets' type.

    ImportAssetsCommand is used (not the dashboard importer) because it overwrites every
    object by UUID: databases, datasets, charts and dashboards all follow the YAML.
    """
    import yaml

    contents: dict[str, str] = {}
    for path in sorted(BUNDLE_SRC.rglob("*.yaml")):
        rel = path.relative_to(BUNDLE_SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel == "metadata.yaml":
            meta = yaml.safe_load(text)
            meta["type"] = "assets"
            meta.pop("timestamp", None)
            text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        elif rel.startswith("databases/"):
            cfg = yaml.safe_load(text)
            cfg["sqlalchemy_uri"] = sqlalchemy_uri()
            text = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False)
        contents[rel] = text
    return contents


def _bundle_uuids(contents: dict[str, str]) -> dict[str, list[str]]:
    import yaml

    out: dict[str, list[str]] = {"dashboards": [], "slices": [], "tables": [], "dbs": []}
    table = {"dashboards": "dashboards", "charts": "slices", "datasets": "tables", "databases": "dbs"}
    for rel, text in contents.items():
        kind = rel.split("/")[0]
        if kind in table:
            out[table[kind]].append(yaml.safe_load(text)["uuid"])
    return out


def _all_present(uuids: dict[str, list[str]]) -> bool:
    """Every object of the bundle is in the metadata DB (UUIDs are 16-byte blobs in SQLite)."""
    for tbl, ids in uuids.items():
        have = {r[0].lower() for r in _query(f"select hex(uuid) from {tbl}")}  # noqa: S608
        if any(u.replace("-", "").lower() not in have for u in ids):
            return False
    return True


def cmd_import(force: bool = False) -> None:
    t0 = time.time()
    contents = render()
    digest = hashlib.sha256(json.dumps([_version(), contents], sort_keys=True).encode()).hexdigest()
    BUNDLE_OUT.mkdir(parents=True, exist_ok=True)
    zip_path = BUNDLE_OUT / "dashboards.zip"
    uuids = _bundle_uuids(contents)
    if (not force and IMPORT_STAMP.exists() and IMPORT_STAMP.read_text() == digest
            and zip_path.exists() and _all_present(uuids)):
        log(f"bundle unchanged and present in the metadata DB: nothing to import ({time.time() - t0:.1f}s)")
        return
    # The rendered bundle holds the password: keep it private.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, text in contents.items():
            zf.writestr(f"bundle/{rel}", text)
    zip_path.touch(mode=0o600)
    zip_path.write_bytes(buf.getvalue())
    zip_path.chmod(0o600)

    app = _app()
    with app.app_context():
        from flask import g
        from superset import db, security_manager as sm
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle

        g.user = sm.find_user(username=ADMIN_USER)
        if g.user is None:
            raise SystemExit("no admin user: run `superset/manage.py setup` first")
        with zipfile.ZipFile(zip_path) as zf:
            ImportAssetsCommand(get_contents_from_bundle(zf)).run()
        _fix_filter_scopes(uuids["dashboards"])
        _grant_dashboard_roles(uuids["dashboards"])
        _district_row_level_security(uuids["tables"])
        db.session.commit()
    if not _all_present(uuids):
        raise SystemExit("import finished but objects are missing from the metadata DB")
    IMPORT_STAMP.write_text(digest)
    counts = {t: _query(f"select count(*) from {t}")[0][0] for t in uuids}  # noqa: S608
    log(f"imported {zip_path} ({len(contents)} files); metadata DB now holds {counts} "
        f"in {time.time() - t0:.1f}s")


def _fix_filter_scopes(dashboard_uuids: list[str]) -> None:
    """Recompute chartsInScope (chart *ids*) of native filters and cross-filters.

    The YAML states scopes as a root path and excluded charts (ids local to the bundle,
    remapped by the importer), but the front end applies a filter only to the charts
    listed in chartsInScope, which the importer does not remap. Derive it here.
    """
    import uuid as uuidlib

    from superset import db
    from superset.models.dashboard import Dashboard
    from superset.utils import json as sjson

    for u in dashboard_uuids:
        dash = db.session.query(Dashboard).filter_by(uuid=uuidlib.UUID(u)).one()
        position = sjson.loads(dash.position_json or "{}")
        meta = sjson.loads(dash.json_metadata or "{}")
        charts = {v["meta"]["chartId"]: v.get("parents", []) for v in position.values()
                  if isinstance(v, dict) and v.get("type") == "CHART"}

        def in_scope(scope: dict) -> list[int]:
            roots = set(scope.get("rootPath") or ["ROOT_ID"])
            excluded = set(scope.get("excluded") or [])
            return sorted(c for c, parents in charts.items()
                          if c not in excluded and roots & set(parents))

        for f in meta.get("native_filter_configuration", []):
            f["chartsInScope"] = in_scope(f.get("scope", {}))
            f.setdefault("tabsInScope", [])
        glob = meta.setdefault("global_chart_configuration", {})
        glob.setdefault("scope", {"rootPath": ["ROOT_ID"], "excluded": []})
        glob["chartsInScope"] = in_scope(glob["scope"])
        meta["chart_configuration"] = {
            str(c): {"id": c, "crossFilters": {"scope": "global",
                                               "chartsInScope": [x for x in glob["chartsInScope"] if x != c]}}
            for c in charts}
        dash.json_metadata = sjson.dumps(meta)


def _grant_dashboard_roles(dashboard_uuids: list[str]) -> None:
    """DASHBOARD_RBAC: leadership, analyst and district see the imported dashboards,
    and may read the datasets behind them."""
    import uuid as uuidlib

    from superset import db, security_manager as sm
    from superset.models.dashboard import Dashboard

    roles = [r for r in (sm.find_role(n) for n in ("leadership", "analyst", "district")) if r]
    for u in dashboard_uuids:
        dash = db.session.query(Dashboard).filter_by(uuid=uuidlib.UUID(u)).one()
        dash.published = True
        dash.roles = sorted(set(dash.roles) | set(roles), key=lambda r: r.id)
        for ds in dash.datasources:
            pv = sm.add_permission_view_menu("datasource_access", ds.get_perm())
            for r in roles:
                sm.add_permission_role(r, pv)


def _district_row_level_security(dataset_uuids: list[str]) -> None:
    """One role per district (district_<code>) with a row-level-security filter
    `district_code = '<code>'` on every imported dataset that has a district_code column.
    A district user gets the roles `district` (dashboards) + `district_<code>` (rows)."""
    import uuid as uuidlib

    from sqlalchemy import text

    from superset import db, security_manager as sm
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable

    tables = [t for t in (db.session.query(SqlaTable).filter_by(uuid=uuidlib.UUID(u)).one()
                          for u in dataset_uuids)
              if any(c.column_name == "district_code" for c in t.columns)]
    if not tables:
        return
    t = tables[0]
    try:
        with t.database.get_sqla_engine() as engine, engine.connect() as conn:
            districts = conn.execute(text(
                f"select distinct district_code, district_name from {t.schema}.{t.table_name} "  # noqa: S608
                "where district_code is not null order by 1")).fetchall()
    except Exception as exc:  # the warehouse may not be built yet: roles come with the next import
        log(f"row-level security skipped (warehouse not readable: {exc.__class__.__name__})")
        return
    for code, name in districts:
        if not re.fullmatch(r"\d{6}", str(code)):
            continue
        role = sm.find_role(f"district_{code}") or sm.add_role(f"district_{code}")
        rls_name = f"区县 {code} {name}"
        rls = db.session.query(RowLevelSecurityFilter).filter_by(name=rls_name).one_or_none()
        if rls is None:
            rls = RowLevelSecurityFilter(name=rls_name, filter_type="Regular")
            db.session.add(rls)
        rls.description = f"{name}的用户只看到本区县的数据"
        rls.clause = f"district_code = '{code}'"
        rls.roles = [role]
        rls.tables = tables


# ---------------------------------------------------------------- start / stop
def url() -> str:
    return f"http://{HOST}:{PORT}"


def healthy(timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url()}/health", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def _pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _login_hint() -> None:
    print(f"Superset: {url()}/superset/dashboard/pension-overview/")
    print(f"login:    {ADMIN_USER} / {_secret(ADMIN_PASSWORD_FILE, 18)}   (password in {ADMIN_PASSWORD_FILE})")


def cmd_start() -> None:
    t0 = time.time()
    e = env()
    if _pid() and healthy():
        log("already running")
        _login_hint()
        return
    if healthy():
        raise SystemExit(f"something else answers on {url()}: set SUPERSET_PORT")
    workers = os.environ.get("SUPERSET_WORKERS", str(min(4, max(2, os.cpu_count() or 2))))
    cmd = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{PORT}", "--workers", workers,
           "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
           "--limit-request-line", "0", "--limit-request-field_size", "0",
           "--pid", str(PIDFILE), "superset.app:create_app()"]
    with open(LOG, "ab") as out:
        proc = subprocess.Popen(cmd, env=e, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=str(HOME), start_new_session=True)
    PIDFILE.write_text(str(proc.pid))
    deadline = time.time() + float(os.environ.get("SUPERSET_START_TIMEOUT", "180"))
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Superset exited ({proc.returncode}); see {LOG}")
        if healthy():
            log(f"started (pid {proc.pid}) in {time.time() - t0:.1f}s; log: {LOG}")
            _login_hint()
            return
        time.sleep(1)
    raise SystemExit(f"Superset did not answer {url()}/health in time; see {LOG}")


def cmd_stop() -> None:
    pid = _pid()
    if pid is None:
        log("not running")
        PIDFILE.unlink(missing_ok=True)
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    PIDFILE.unlink(missing_ok=True)
    log(f"stopped (pid {pid})")


def cmd_status() -> None:
    pid = _pid()
    print(f"running (pid {pid}) at {url()}" if pid and healthy() else "not running")
    if not (pid and healthy()):
        raise SystemExit(1)


def main(argv: list[str]) -> None:
    cmds = {"setup": cmd_setup, "import": cmd_import, "start": cmd_start, "stop": cmd_stop,
            "status": cmd_status, "url": _login_hint}
    if len(argv) < 1 or argv[0] not in cmds:
        raise SystemExit(__doc__)
    if argv[0] == "import" and "--force" in argv:
        cmd_import(force=True)
    else:
        cmds[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
