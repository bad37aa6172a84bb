"""Superset configuration for the statistics warehouse (loaded via SUPERSET_CONFIG_PATH).

Everything stateful lives under var/ (git-ignored): the SQLite metadata database in
var/superset/superset.db and the SECRET_KEY in var/secrets/superset_secret_key, which
`superset/manage.py setup` generates on first run. Nothing here talks to the internet.
"""
import os
import sys
from pathlib import Path

# foundation.settings (standard library only) knows where var/ is; append, never prepend, the
# repo root so that this folder (also called "superset") cannot shadow the real package.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.append(str(_ROOT))
from foundation import settings  # noqa: E402

SUPERSET_HOME = settings.VAR / "superset"
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)

# --- metadata database and secret key --------------------------------------------------
SQLALCHEMY_DATABASE_URI = f"sqlite:///{SUPERSET_HOME / 'superset.db'}?check_same_thread=false"
# Superset writes to the metadata database on every request (the action log: six rows, six commits per chart-data
# request) and reads it on every one (users, permissions, dashboards, datasets). In SQLite's default rollback-journal
# mode each commit locks out every reader of both workers while it syncs the journal and the file to disk, so the
# eight chart requests a dashboard sends in parallel queued behind one another's log commits (issue 19: most of a
# chart request's time, on a busy disk). WAL mode (set on the file by `manage.py start`) lets readers go on during a
# write; synchronous=NORMAL syncs at checkpoints instead of at every commit (a power cut can lose the last few
# commits of the action log, never corrupt the file; an application crash loses nothing).
import sqlite3  # noqa: E402

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.pool import QueuePool  # noqa: E402

# The metadata engine keeps its connections (SQLAlchemy 1.4 opens and closes a new SQLite connection per session
# for a file database: NullPool). Closing the last connection of a WAL database checkpoints it and deletes the -wal
# and -shm files, which the next connection creates again: 6 opens and closes per chart-data request, ≈ 30 ms of
# each request's time spent in sqlite3's close and first commit (cProfile of a dashboard's requests, issue 19).
SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": QueuePool, "pool_size": 8, "max_overflow": 8, "pool_pre_ping": False}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

# --- the action log written in its own session ---------------------------------------------------------------------
# Superset's DBEventLogger adds its rows to the request's own ORM session and commits it: six commits per chart-data
# request, and each commit expires every object the request has loaded (user, roles, chart, dataset, its columns and
# metrics, database), which the request then reads again from the metadata database — about half of a chart-data
# request's ≈ 50 metadata queries (issue 19, cProfile of a dashboard's requests). Here the same rows (same columns,
# same JSON) are written and committed through a session of their own on the same engine; the request's session is
# left alone. A failure to log is logged and does not fail the request, as before. While the request's session holds
# writes not yet committed, the rows go with its commit as Superset writes them: a second connection would wait for
# SQLite's write lock (busy_timeout, 30 s) behind the request's own transaction.
from superset.utils.log import DBEventLogger  # noqa: E402


def _request_session_holds_writes() -> bool:
    from superset import db

    session = db.session
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    fairy = session.connection().connection
    raw = getattr(fairy, "dbapi_connection", None) or getattr(fairy, "connection", None)
    # sqlite3 opens a transaction only before a statement that writes; another driver: assume it may have written
    return bool(getattr(raw, "in_transaction", True))


class _OwnSessionEventLogger(DBEventLogger):
    def log(self, user_id, action, dashboard_id, duration_ms, slice_id, referrer, *args, **kwargs):  # noqa: PLR0913
        import logging

        try:
            shared = _request_session_holds_writes()
        except Exception:   # noqa: BLE001 — when in doubt, log as Superset does
            shared = True
        if shared:
            return super().log(user_id, action, dashboard_id, duration_ms, slice_id, referrer, *args, **kwargs)

        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.orm import Session
        from superset import db
        from superset.models.core import Log
        from superset.utils import json as sjson

        records = kwargs.get("records") or ([kwargs["curated_payload"]] if kwargs.get("curated_payload") else [])
        rows = []
        for record in records:
            try:
                text = sjson.dumps(record)
            except Exception:   # noqa: BLE001 — an unserialisable payload is logged without its JSON, as Superset does
                text = None
            rows.append(Log(action=action, json=text, dashboard_id=dashboard_id or record.get("dashboard_id"),
                            slice_id=slice_id or record.get("slice_id"), duration_ms=duration_ms,
                            referrer=referrer, user_id=user_id))
        if not rows:
            return
        try:
            with Session(bind=db.engine) as session:
                session.add_all(rows)
                session.commit()
        except SQLAlchemyError:
            logging.getLogger(__name__).exception("action log: %d row(s) of %s not written", len(rows), action)


EVENT_LOGGER = _OwnSessionEventLogger()

_secret = settings.SECRETS / "superset_secret_key"
if not _secret.exists():
    raise RuntimeError(f"{_secret} is missing: run `.venv-superset/bin/python superset/manage.py setup`")
SECRET_KEY = _secret.read_text().strip()

# --- web server ------------------------------------------------------------------------
# manage.py binds gunicorn to 127.0.0.1:${SUPERSET_PORT:-8088}; never to other interfaces.
SUPERSET_WEBSERVER_TIMEOUT = 120
APP_NAME = "北京人社统计数据仓库"

# --- language: Chinese by default, English selectable ------------------------------------
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "us", "name": "English"}}
D3_FORMAT = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]}
CURRENCIES = ["CNY"]

# --- features ----------------------------------------------------------------------------
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": True,        # dashboards granted per role (leadership / analyst / district)
    "DRILL_TO_DETAIL": True,       # right-click a chart -> the underlying rows
    "DRILL_BY": True,              # right-click -> regroup by another column (e.g. district)
    "ALERT_REPORTS": False,        # no mail/Slack: nothing leaves the machine
    "THUMBNAILS": False,           # would need a Celery worker and a headless browser
    "EMBEDDED_SUPERSET": False,
    # The result cache is keyed by the database login a user's queries run as (see _cache_by_login_role below).
    "CACHE_QUERY_BY_USER": True,
    # Jinja in the KPI datasets' SQL (superset/bundle_kit.py PERIOD_LENGTH_JINJA): the length of the months chosen
    # in the 月份 filter sets the period 环比 compares with. Sandboxed; only Admin edits datasets (analysts' SQL Lab
    # gets the same macros, which read the user's own filters and identity, nothing else).
    "ENABLE_TEMPLATE_PROCESSING": True,
}

# --- caches: files under var/superset/cache, no Redis --------------------------------------
# On disk (not in-process) so that a build or publish can drop them without restarting
# Superset: pipeline/caches.py empties these folders.
_cache = {"CACHE_TYPE": "FileSystemCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 5000}
CACHE_CONFIG = {**_cache, "CACHE_DIR": str(SUPERSET_HOME / "cache" / "meta"), "CACHE_KEY_PREFIX": "superset_meta_"}
DATA_CACHE_CONFIG = {**_cache, "CACHE_DIR": str(SUPERSET_HOME / "cache" / "data"), "CACHE_KEY_PREFIX": "superset_data_"}
# Who sees which cached result: a chart's cache key holds its query (filters included: month, district), its dataset's
# Superset row-level-security clauses (district_code = '<code>' for a district role) and, with CACHE_QUERY_BY_USER
# and _cache_by_login_role below, the PostgreSQL login the user's queries run as (wh_district_<code> for a district
# user, wh_superset for leadership and analysts). So a district user is only ever served results computed under its
# own district login — also for datasets without a district_code column (no Superset RLS clause), where the
# database's own grants and row security are the defence — and leadership's results are shared by every leadership
# user. The files are private to the service account (var/superset is 0700) and emptied by build / publish / rollback.
# Filter/explore state must survive between requests served by different workers: keep
# Superset's default (the metadata DB), which needs no extra service.
RATELIMIT_STORAGE_URI = "memory://"

# --- no outbound network -----------------------------------------------------------------
# The UI embeds a Scarf telemetry pixel and allows map tiles and web fonts; a CSP that
# only allows this origin stops the browser from contacting any of them.
THEME_FONT_URL_ALLOWED_DOMAINS: list = []
MAPBOX_API_KEY = ""
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        # 'unsafe-eval': the Handlebars chart (the 区县地图, bundle_kit.district_map) compiles its template with
        # new Function(); injected <script> elements stay blocked (nonce + strict-dynamic)
        "script-src": ["'self'", "'strict-dynamic'", "'unsafe-eval'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False
# Superset 6 turns CORS on by default for two OpenStreetMap tile servers: every answer (API, assets) then carries
# Access-Control-Allow-Origin for a foreign origin. Nothing here is read cross-origin (no tiles, no embedding).
ENABLE_CORS = False
CORS_OPTIONS: dict = {}

ROW_LIMIT = 50000

# --- the 区县地图 (bundle_kit.district_map): an inline SVG in a Handlebars chart ------------------
# Superset sanitises a Handlebars chart's HTML with GitHub's schema, which has no SVG: these elements and presentation
# attributes (hast property names) are added to it — shapes, text and links only (no <style>, no script, no
# event handlers, no foreignObject; an <a>'s href keeps the schema's protocol check). The front end appends the
# lists to the default ones.
HTML_SANITIZATION_SCHEMA_EXTENSIONS = {
    "tagNames": ["svg", "g", "path", "text", "tspan", "title"],
    "attributes": {
        "svg": ["viewBox", "width", "height", "preserveAspectRatio"],
        "g": ["transform"],
        "path": ["d", "fill", "stroke", "strokeWidth", "vectorEffect"],
        "text": ["x", "y", "fontSize", "fill"],
        "tspan": ["x", "dy", "fill"],
    },
}

# --- database logins per user group (defence in depth below Superset's own permissions) --------------
# Every query Superset sends for a user logs in as the PostgreSQL role of that user's group
# (access/model.yaml → superset): a district user's charts, custom SQL metrics and filters run as
# wh_district_<code>, which row level security restricts to that district's rows and which has no right
# on raw, audit, the review release or any file / admin function; leadership and analysts run as
# wh_superset (SELECT on the official release only, read-only transactions). A user of no warehouse group,
# or of two districts, gets no connection at all.
import access  # noqa: E402


class _NoWarehouseAccess(Exception):
    pass


def _cache_by_login_role() -> None:
    """The per-user part of the result cache key (CACHE_QUERY_BY_USER): the user's warehouse login role, the one
    DB_CONNECTION_MUTATOR logs in as, instead of the user name — users of one login share cached results, users of
    different logins never do."""
    from superset.db_engine_specs.postgres import PostgresEngineSpec

    def get_impersonation_key(cls, user):
        if user is None:
            return None
        role = access.superset_database_role([r.name for r in (getattr(user, "roles", None) or [])])
        return f"login:{role}" if role else f"user:{getattr(user, 'username', '')}"

    PostgresEngineSpec.get_impersonation_key = classmethod(get_impersonation_key)


def _request_user(username: str):
    """The logged-in user of the current request when it is the one asked for: Superset calls the mutator for every
    engine it builds (two to four per chart-data request), and looking the user and its roles up again by name cost
    a metadata query each time."""
    from flask import g, has_request_context

    user = getattr(g, "user", None) if has_request_context() else None
    return user if user is not None and getattr(user, "username", None) == username else None


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):  # noqa: N802
    # psycopg2's hstore support costs a catalogue query on every new connection (Superset opens one per query);
    # no warehouse column is an hstore.
    params.setdefault("use_native_hstore", False)
    if not username:                      # CLI / import without a user: the connection's own login
        return uri, params
    user = _request_user(username) or security_manager.find_user(username=username)
    role = access.superset_database_role([r.name for r in (user.roles if user else [])])
    if role is None:
        raise _NoWarehouseAccess(f"用户 {username} 没有数据仓库访问权限")
    if uri.username == role:
        return uri, params
    district = access.district_of_database_role(role)
    if district or uri.username == access.superset_groups()["leadership"]["database_role"]:
        password = settings.role_password(role)
        if password is None:
            raise _NoWarehouseAccess(f"数据库角色 {role} 未建立: 运行 make db")
        return uri.set(username=role, password=password), params
    return uri, params


# --- login throttling ----------------------------------------------------------------------------
# Flask-Limiter on the login view (per worker process, in memory) plus access/throttle.py: failures per
# user name and per address shared by all workers in var/superset/login_throttle.db; after 5 failed
# logins of one name within 15 minutes the name is locked for 15 minutes (HTTP 429, in Chinese).
RATELIMIT_ENABLED = True
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "10 per minute"
RATELIMIT_APPLICATION = "500 per second"
LOGIN_PATHS = ("/login/", "/api/v1/security/login")


# --- the default schema, looked up once a minute per user rather than twice per chart request -----------------
# For a virtual dataset Superset asks the database for its default schema twice per chart request (the cache key's
# row-level-security part and the FROM clause, superset/connectors/sqla/models.py, models/helpers.py), each time
# through a new engine and a new PostgreSQL connection (login, SCRAM, backend start, SQLAlchemy's first-connect
# queries), although every dataset of the bundle names its schema and the value is only a fallback. That was two
# of the three connections of every chart request (issue 19). The answer depends on the login role (its
# search_path), which DB_CONNECTION_MUTATOR derives from the user: cached per database, catalogue and user, for
# DEFAULT_SCHEMA_TTL seconds in each worker process.
DEFAULT_SCHEMA_TTL = 60


def _cache_default_schema() -> None:
    import threading
    import time

    from superset.db_engine_specs.postgres import PostgresEngineSpec
    from superset.utils.core import get_username

    lookup = PostgresEngineSpec.get_default_schema.__func__
    cache: dict = {}
    lock = threading.Lock()

    def get_default_schema(cls, database, catalog):
        if database.id is None:               # a connection being tested, not saved yet
            return lookup(cls, database, catalog)
        key = (database.id, catalog, get_username())
        now = time.monotonic()
        with lock:
            hit = cache.get(key)
        if hit is not None and now - hit[0] < DEFAULT_SCHEMA_TTL:
            return hit[1]
        schema = lookup(cls, database, catalog)
        with lock:
            cache[key] = (now, schema)
        return schema

    PostgresEngineSpec.get_default_schema = classmethod(get_default_schema)


# --- warehouse connections: one engine and a small pool per login role, not a new connection per query -----------
# Superset builds a new SQLAlchemy engine with NullPool for every query it sends (superset/models/core.py
# _get_sqla_engine): each chart request paid a PostgreSQL login (SCRAM), a backend start and SQLAlchemy's first-connect
# queries (server version, encoding, isolation level, …) — about a fifth of a chart request's CPU (issue 19). Here the
# engines of the warehouse (PostgreSQL) are kept per URL — the URL carries the login role DB_CONNECTION_MUTATOR chose
# for the user, so a district's connections are never handed to another role — and per engine parameters, each with
# a small pool. A connection given back is rolled back and then reset with DISCARD ALL (session settings, temporary
# tables, prepared statements), so nothing one query set is seen by the next; a connection is pinged before use (the
# warehouse may have been restarted since). SQLite and other back ends unchanged.
WAREHOUSE_POOL_SIZE = 2           # idle connections kept per role and worker process
WAREHOUSE_POOL_OVERFLOW = 6       # more while a dashboard's charts run in parallel, closed when given back
WAREHOUSE_POOL_RECYCLE = 600      # seconds; a connection older than this is replaced


def _pool_warehouse_engines() -> None:
    import json
    import threading

    import superset.models.core as core
    from sqlalchemy.pool import NullPool, QueuePool

    create = core.create_engine
    engines: dict = {}
    lock = threading.Lock()

    def discard(dbapi_connection, _record):
        if dbapi_connection is None or dbapi_connection.closed:   # invalidated: the pool replaces it
            return
        try:
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True   # DISCARD ALL cannot run inside a transaction block
            with dbapi_connection.cursor() as cur:
                cur.execute("DISCARD ALL")
            dbapi_connection.autocommit = autocommit
        except Exception:   # noqa: BLE001 — a connection that cannot be reset is not reused (pre-ping sees it closed)
            dbapi_connection.close()

    def create_engine(url, **kwargs):
        if url.get_backend_name() != "postgresql" or kwargs.get("poolclass", NullPool) is not NullPool:
            return create(url, **kwargs)
        rest = {k: v for k, v in kwargs.items() if k != "poolclass"}
        key = (url.render_as_string(hide_password=False), json.dumps(rest, sort_keys=True, default=repr))
        with lock:
            engine = engines.get(key)
            if engine is None:
                engine = create(url, poolclass=QueuePool, pool_size=WAREHOUSE_POOL_SIZE,
                                max_overflow=WAREHOUSE_POOL_OVERFLOW, pool_recycle=WAREHOUSE_POOL_RECYCLE,
                                pool_reset_on_return="rollback", pool_pre_ping=True, **rest)
                event.listen(engine, "checkin", discard)
                engines[key] = engine
        return engine

    core.create_engine = create_engine


# --- parsed SQL kept, copies handed out ------------------------------------------------------------------------------
# Superset parses the SQL of a chart-data request with sqlglot four times (the virtual dataset's SQL twice — the
# multiple-statement check and the read-only / row-level-security pass —, the RLS predicates, the final query before
# it is sent); parsing was the largest part of a chart request's CPU (issue 19). The same texts come back for every
# chart on a dataset and every opening of a dashboard, so each worker keeps the syntax trees of the last
# SQL_PARSE_CACHE_SIZE texts and hands out copies (Superset edits the trees it gets: RLS predicates, limits), which
# cost a tenth of a parse. A text that does not parse is not kept: the error is raised again each time.
SQL_PARSE_CACHE_SIZE = 256


def _cache_sql_parse() -> None:
    import functools

    from superset.sql.parse import SQLStatement

    parse = SQLStatement._parse.__func__

    @functools.lru_cache(maxsize=SQL_PARSE_CACHE_SIZE)
    def parsed(cls, script: str, engine: str) -> tuple:
        return tuple(parse(cls, script, engine))

    def _parse(cls, script, engine):
        return [statement.copy() for statement in parsed(cls, script, engine)]

    SQLStatement._parse = classmethod(_parse)


# --- per-request profile (off unless SUPERSET_REQUEST_PROFILE names a file; issue 19's measurements) ----------------
# One JSON line per request: its wall and CPU time in the worker thread, and how much of the wall went to the
# warehouse (the SQL Superset sends, execute + fetch) and to Superset's own metadata database (count and time). The
# browser's time to first byte minus this wall is the wait for a free worker thread.
REQUEST_PROFILE = os.environ.get("SUPERSET_REQUEST_PROFILE") or None


def _profile_requests(app) -> None:
    import json
    import threading
    import time

    from flask import g, request
    from superset.db_engine_specs.base import BaseEngineSpec

    local = threading.local()
    lock = threading.Lock()

    def add(key: str, seconds: float) -> None:
        acc = getattr(local, "acc", None)
        if acc is not None:
            acc[key] = acc.get(key, 0.0) + seconds
            acc[key + "_n"] = acc.get(key + "_n", 0) + 1

    def timed(name: str, func):
        def wrapper(cls, *args, **kwargs):
            t = time.perf_counter()
            try:
                return func(cls, *args, **kwargs)
            finally:
                add(name, time.perf_counter() - t)
        return classmethod(wrapper)

    BaseEngineSpec.execute = timed("warehouse_execute", BaseEngineSpec.execute.__func__)
    BaseEngineSpec.fetch_data = timed("warehouse_fetch", BaseEngineSpec.fetch_data.__func__)

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("_profile_t", []).append(time.perf_counter())

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        stack = conn.info.get("_profile_t")
        if stack:
            add("metadata" if conn.engine.url.get_backend_name() == "sqlite" else "engine_sql",
                time.perf_counter() - stack.pop())

    @app.before_request
    def _start():
        local.acc = {}
        g._profile = (time.time(), time.perf_counter(), time.thread_time())

    @app.teardown_request
    def _end(_exc):
        start = g.pop("_profile", None)
        if start is None:
            return
        acc, local.acc = getattr(local, "acc", {}) or {}, None
        row = {"t": round(start[0], 3), "pid": os.getpid(), "thread": threading.get_ident() % 100000,
               "path": request.path, "query": request.query_string.decode()[:200],
               "wall_ms": round((time.perf_counter() - start[1]) * 1000, 1),
               "cpu_ms": round((time.thread_time() - start[2]) * 1000, 1),
               **{k: (round(v * 1000, 1) if isinstance(v, float) else v) for k, v in acc.items()}}
        with lock, open(REQUEST_PROFILE, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")


def FLASK_APP_MUTATOR(app):  # noqa: N802
    from access.throttle import LoginThrottle

    _cache_default_schema()
    _cache_by_login_role()
    _pool_warehouse_engines()
    _cache_sql_parse()
    if REQUEST_PROFILE:
        _profile_requests(app)
    from flask import request
    from flask_login import current_user

    throttle = LoginThrottle(SUPERSET_HOME / "login_throttle.db")

    def _attempt():
        if request.method != "POST" or request.path not in LOGIN_PATHS:
            return None
        if request.path == "/login/":
            return request.form.get("username")
        return (request.get_json(silent=True) or {}).get("username")

    @app.before_request
    def _refuse_locked():
        username = _attempt()
        if username is None:
            return None
        wait = throttle.blocked(username, request.remote_addr)
        if wait:
            message = (f"登录失败次数过多，请 {(wait + 59) // 60} 分钟后再试。"
                       f" Too many failed logins: try again in {wait} s.")
            return (message, 429,
                    {"Retry-After": str(wait), "Content-Type": "text/plain; charset=utf-8"})
        return None

    @app.after_request
    def _count(response):
        username = _attempt()
        if username is not None and response.status_code != 429:
            ok = (current_user.is_authenticated if request.path == "/login/" else response.status_code == 200)
            (throttle.success if ok else throttle.failure)(username, request.remote_addr)
        return response
