"""PostgreSQL roles per component, least privilege, district row security: ONE idempotent setup step.

    python -m ops.roles setup            create / update every role, grant, policy (admin URL)
    python -m ops.roles check            list every login role's rights that matter (superuser, owner, …)
    python -m ops.roles service NAME TOPIC[,TOPIC…]   a login role for a later service (its topic libraries)
    python -m ops.roles topics           the topic libraries' reader roles and who is granted each

The same step runs against the embedded cluster (`make db` calls it) and an external server
(WAREHOUSE_URL = the owner / administrator URL, used for nothing else): roles come from access/model.yaml,
passwords are generated into var/secrets/pg_roles.json (0600) and re-applied on every run.

The model (see README, "Database roles"):
- object owners are the writing components: wh_loader owns raw / audit, wh_dbt the build schemas (marts =
  the review release), wh_publish the official releases; none of them is a superuser;
- readers own nothing and get SELECT through NOLOGIN group roles: wh_read_official (official release),
  wh_read_review (marts), wh_read_ops (run log and load audit, without the delivered rows' bytes);
- district isolation in the database: every official table with a district_code has row level security;
  policy `all_districts` lets the members of wh_read_all_districts (Superset's official connection, the
  cube) see every row, policy `own_district` lets a member of wh_district see the rows of the district in
  its login name (wh_district_<code>), nothing else. Superset logs each district user in as its district's
  role, so whatever SQL a chart sends, other districts' rows do not exist for it. Publish recreates the
  policies on every copy (apply_release_security) before the swap;
- topic libraries (专题库, schema topic_<lib> each, as warehouse/dbt_project.yml declares them): one NOLOGIN
  reader role per library, wh_read_topic_<lib> (USAGE on its schema, SELECT on what dbt builds in it, now and
  later — nothing else); a service is granted the roles of the libraries it needs (service_role), Superset only
  the monitoring schema's (wh_read_topic_monitor: counts, no identifiers);
- PUBLIC loses TEMP and CONNECT on the database and EXECUTE on functions that read files, run query text
  or write large objects; readers get statement_timeout, a connection limit, read-only transactions.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys

import psycopg
from psycopg import sql

import access
from foundation import settings, signoff

READ_OFFICIAL = "wh_read_official"
READ_ALL_DISTRICTS = "wh_read_all_districts"
DISTRICT_GROUP = "wh_district"
READ_REVIEW = "wh_read_review"
READ_OPS = "wh_read_ops"
SERVICES_GROUP = "wh_services"
GROUPS = (READ_OFFICIAL, READ_ALL_DISTRICTS, DISTRICT_GROUP, READ_REVIEW, READ_OPS, SERVICES_GROUP)

# group memberships of each login role (district roles: READ_OFFICIAL + DISTRICT_GROUP)
MEMBERSHIPS = {
    "wh_superset": (READ_OFFICIAL, READ_ALL_DISTRICTS, READ_OPS),
    "wh_superset_review": (READ_REVIEW,),
    "wh_cube": (READ_OFFICIAL, READ_ALL_DISTRICTS, READ_REVIEW),
    "wh_portal": (READ_OFFICIAL, READ_ALL_DISTRICTS),
}
# the read-only role the portal switches to for a district user's requests (history/store.py: row security on
# the observations lets it see that district only); the portal may SET ROLE to it, nothing logs in as it
HISTORY_DISTRICT_READER = "history_district_reader"
READERS = ("wh_superset", "wh_superset_review", "wh_cube")
WRITERS = ("wh_loader", "wh_dbt", "wh_publish", "wh_backup")
OPS_COLUMNS = {   # what the 系统管理 dashboard reads from the load audit: never raw_line (the delivered row)
    "load_finding": ("batch_id", "interface", "data_month", "file_name", "line_no", "column_name", "rule",
                     "severity", "message"),
}
RUN_LOG_WRITERS = ("wh_loader", "wh_dbt", "wh_publish", "wh_backup")
LISTMATCH_READS = ("staging", "intermediate", "codes", "topic_near_retirement")   # what wh_listmatch reads
TOPIC_READER_PREFIX = "wh_read_"
# topic-library schemas each login role reads (through the library's reader role); services get theirs from
# service_role. topic_monitor holds counts only (rows, freshness, entered / left): the 专题库运行监控 dashboard.
TOPIC_GRANTS = {"wh_superset": ("topic_monitor",)}

# Functions PUBLIC may execute by default that read files, execute arbitrary query text, write large
# objects or sleep; revoked from PUBLIC (the owner and superusers keep them). Some are already
# superuser-only in PostgreSQL 18: revoking again is harmless and keeps the list honest on older servers.
REVOKED_FUNCTIONS = (
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir", "pg_ls_waldir",
    "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir", "pg_ls_logicalmapdir",
    "pg_ls_replslotdir", "pg_ls_summariesdir", "pg_current_logfile", "pg_file_write", "pg_file_rename",
    "pg_file_unlink", "pg_logdir_ls",
    "lo_import", "lo_export", "lo_create", "lo_creat", "lo_from_bytea", "lo_put", "lowrite", "lo_open",
    "lo_unlink", "lo_truncate", "lo_truncate64", "lo_get", "loread", "lo_lseek", "lo_lseek64",
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
    "cursor_to_xmlschema", "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
    "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema", "database_to_xml",
    "database_to_xmlschema", "database_to_xml_and_xmlschema",
    "ts_rewrite", "ts_stat",
    "dblink", "dblink_exec", "dblink_connect", "dblink_connect_u",
    "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_notify",
    "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal", "pg_create_restore_point",
    "pg_terminate_backend", "pg_cancel_backend", "pg_log_backend_memory_contexts",
)


def _ident(*parts: str) -> sql.Composable:
    return sql.SQL(".").join(sql.Identifier(p) for p in parts)


def _passwords(roles: list[str]) -> dict[str, str]:
    current: dict[str, str] = {}
    if settings.ROLE_PASSWORDS.exists():
        current = json.loads(settings.ROLE_PASSWORDS.read_text(encoding="utf-8") or "{}")
    missing = [r for r in roles if r not in current]
    if missing or not settings.ROLE_PASSWORDS.exists():
        for r in missing:
            current[r] = secrets.token_urlsafe(24)
        settings.write_private(settings.ROLE_PASSWORDS, json.dumps(current, indent=1) + "\n")
    settings.ROLE_PASSWORDS.chmod(0o600)
    return current


def _record_setup(database: str) -> None:
    """Remember which database the roles were set up for (settings.component_url checks it)."""
    current = json.loads(settings.ROLE_PASSWORDS.read_text(encoding="utf-8") or "{}")
    if current.get(settings.SETUP_KEY) != database:
        current[settings.SETUP_KEY] = database
        settings.write_private(settings.ROLE_PASSWORDS, json.dumps(current, indent=1) + "\n")


def _role_exists(conn, name: str) -> bool:
    return bool(conn.execute("select 1 from pg_roles where rolname = %s", (name,)).fetchone())


def _ensure_role(conn, name: str, login: bool, password: str | None = None, *, replication: bool = False,
                 bypassrls: bool = False) -> None:
    attrs = ["LOGIN" if login else "NOLOGIN", "NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "INHERIT",
             "REPLICATION" if replication else "NOREPLICATION", "BYPASSRLS" if bypassrls else "NOBYPASSRLS"]
    verb = "alter" if _role_exists(conn, name) else "create"
    stmt = sql.SQL("{} role {} with " + " ".join(attrs)).format(sql.SQL(verb), sql.Identifier(name))
    if password is not None:
        stmt = stmt + sql.SQL(" password {}").format(sql.Literal(password))
    try:
        conn.execute(stmt)
    except psycopg.errors.InsufficientPrivilege:
        if not (replication or bypassrls):
            raise
        # an external server's non-superuser admin cannot hand out REPLICATION / BYPASSRLS: create the role
        # without them and say what the DBA must run
        _ensure_role(conn, name, login, password)
        print(f"[roles] not a superuser: ask the DBA to run  ALTER ROLE {name} WITH "
              f"{'REPLICATION ' if replication else ''}{'BYPASSRLS' if bypassrls else ''};  "
              f"GRANT pg_read_all_data TO {name};", flush=True)


def _grant_member(conn, group: str, member: str, *, set_option: bool = True) -> None:
    """Membership with INHERIT; SET FALSE for district roles (they can never `set role` to the group)."""
    opt = "inherit true, set " + ("true" if set_option else "false")
    conn.execute(sql.SQL("grant {} to {} with " + opt).format(sql.Identifier(group), sql.Identifier(member)))


def _schemas(conn) -> set[str]:
    return {r[0] for r in conn.execute("select nspname from pg_namespace")}


def _ensure_schema(conn, schema: str, owner: str) -> None:
    if schema not in _schemas(conn):
        conn.execute(sql.SQL("create schema {} authorization {}").format(sql.Identifier(schema),
                                                                         sql.Identifier(owner)))
    _give_schema(conn, schema, owner)


def _give_schema(conn, schema: str, owner: str) -> None:
    """Schema and everything in it owned by `owner` (upgrading a cluster where the admin owned all)."""
    conn.execute(sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), sql.Identifier(owner)))
    for name, kind in conn.execute(
            "select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r','p','v','m','f','S') "
            "and pg_get_userbyid(c.relowner) <> %s "
            "and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid "
            "          and d.deptype in ('a','i')))", (schema, owner)).fetchall():
        what = {"v": "view", "m": "materialized view", "S": "sequence", "f": "foreign table"}.get(kind, "table")
        conn.execute(sql.SQL("alter {} {} owner to {}").format(sql.SQL(what), _ident(schema, name),
                                                             sql.Identifier(owner)))


def district_tables(conn, schema: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select c.table_name from information_schema.columns c join information_schema.tables t "
        "using (table_schema, table_name) where c.table_schema = %s and c.column_name = 'district_code' "
        "and t.table_type = 'BASE TABLE' order by 1", (schema,))]


def apply_release_security(conn, schema: str) -> list[str]:
    """Grants and row level security of one copy of the official release (publish calls it on the new
    schema before the swap; setup on official and official_previous). Returns the tables with policies.
    Run by the schema's owner (wh_publish) or the admin."""
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema),
                                                                 sql.Identifier(READ_OFFICIAL)))
    conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(
        sql.Identifier(schema), sql.Identifier(READ_OFFICIAL)))
    tables = district_tables(conn, schema)
    for t in tables:
        rel = _ident(schema, t)
        conn.execute(sql.SQL("alter table {} enable row level security").format(rel))
        for pol in ("all_districts", "own_district"):
            conn.execute(sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(pol), rel))
        conn.execute(sql.SQL("create policy all_districts on {} for select to {} using (true)").format(
            rel, sql.Identifier(READ_ALL_DISTRICTS)))
        # The district is the login's own name: wh_district_<code>; a district role cannot `set role`
        # (membership WITH SET FALSE), so current_user is always its login.
        conn.execute(sql.SQL(
            "create policy own_district on {} for select to {} using "
            "(district_code::text = substring(current_user::text from {}))").format(
            rel, sql.Identifier(DISTRICT_GROUP), sql.Literal(f"^{access.DISTRICT_ROLE_PREFIX}(\\d{{6}})$")))
    return tables


def topic_schemas() -> list[str]:
    """The topic libraries' schemas (topic_<lib>, and topic_monitor) as the dbt project declares them."""
    import yaml

    doc = yaml.safe_load((settings.WAREHOUSE_DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    topics = doc["models"]["hrss_warehouse"]["topics"]
    return sorted(v["+schema"] for v in topics.values() if isinstance(v, dict) and "+schema" in v)


def topic_reader(schema: str) -> str:
    """The reader role of one topic library's schema: wh_read_topic_<lib>."""
    return TOPIC_READER_PREFIX + schema


def _ensure_topic_readers(conn) -> list[str]:
    """One read-only NOLOGIN role per topic-library schema (created owned by wh_dbt if the build has not yet):
    USAGE on the schema, SELECT on its tables and views, and on what wh_dbt creates there later."""
    made = []
    for schema in topic_schemas():
        role = topic_reader(schema)
        _ensure_role(conn, role, login=False)
        _ensure_schema(conn, schema, "wh_dbt")
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), sql.Identifier(role)))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(
            sql.Identifier(schema), sql.Identifier(role)))
        conn.execute(sql.SQL("alter default privileges for role wh_dbt in schema {} grant select on tables to {}").format(
            sql.Identifier(schema), sql.Identifier(role)))
        made.append(role)
    for member, schemas in TOPIC_GRANTS.items():
        for schema in schemas:
            _grant_member(conn, topic_reader(schema), member)
    return made


def topic_grants(url: str | None = None) -> list[dict]:
    """Each topic library's reader role and the login roles granted it (`python -m cli roles topics`)."""
    url = url or settings.admin_url()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select g.rolname, coalesce(array_agg(m.rolname order by m.rolname) filter (where m.rolname is not null), "
            "'{}') from pg_roles g left join pg_auth_members am on am.roleid = g.oid "
            "left join pg_roles m on m.oid = am.member where g.rolname = any(%s) group by g.rolname order by 1",
            ([topic_reader(s) for s in topic_schemas()],)).fetchall()
    return [{"role": r, "schema": r[len(TOPIC_READER_PREFIX):], "granted_to": list(m)} for r, m in rows]


def _duration_ms(text: str | int | None) -> str:
    return "0" if text in (None, 0, "0") else str(text)


def setup(url: str | None = None, log=print) -> dict[str, str]:  # noqa: C901 — one linear script, block by block
    """Create or update every role, grant and policy. Idempotent; needs the owner / admin URL."""
    url = url or settings.admin_url()
    specs = access.database_roles()
    passwords = _passwords(list(specs))
    with psycopg.connect(url, autocommit=True) as conn:
        where = settings.url_parts(url)
        _record_setup(f"{where['host']}:{where['port']}/{where['dbname']}")
        me = conn.execute("select current_user, current_database(), "
                          "(select rolsuper from pg_roles where rolname = current_user)").fetchone()
        admin, dbname, is_super = me
        for g in GROUPS:
            _ensure_role(conn, g, login=False)
        for name, spec in specs.items():
            _ensure_role(conn, name, login=True, password=passwords[name],
                         replication=(name == "wh_backup"), bypassrls=(name == "wh_backup"))
            conn.execute(sql.SQL("alter role {} connection limit {}").format(
                sql.Identifier(name), sql.Literal(int(spec.get("connection_limit", 4)))))
            conn.execute(sql.SQL("alter role {} in database {} set statement_timeout = {}").format(
                sql.Identifier(name), sql.Identifier(dbname), sql.Literal(_duration_ms(spec.get("statement_timeout")))))
            if name in READERS or spec.get("district"):
                conn.execute(sql.SQL("alter role {} in database {} set default_transaction_read_only = on").format(
                    sql.Identifier(name), sql.Identifier(dbname)))
                conn.execute(sql.SQL("alter role {} in database {} set idle_in_transaction_session_timeout = "
                                     "'60s'").format(sql.Identifier(name), sql.Identifier(dbname)))
            # the admin needs membership with ADMIN to manage the role on a non-superuser server (PG16+);
            # a superuser needs nothing
        _ensure_role(conn, HISTORY_DISTRICT_READER, login=False)
        _grant_member(conn, HISTORY_DISTRICT_READER, "wh_portal")
        for member, groups in MEMBERSHIPS.items():
            for g in groups:
                _grant_member(conn, g, member)
        for name, spec in specs.items():
            if spec.get("district"):
                _grant_member(conn, READ_OFFICIAL, name, set_option=False)
                _grant_member(conn, DISTRICT_GROUP, name, set_option=False)
        if is_super:
            conn.execute("grant pg_read_all_data to wh_backup")

        # -- the database: nobody but our roles connects; no temp tables for readers
        db = sql.Identifier(dbname)
        conn.execute(sql.SQL("revoke all on database {} from public").format(db))
        conn.execute(sql.SQL("grant connect on database {} to {}").format(
            db, sql.SQL(", ").join(sql.Identifier(r) for r in specs)))
        conn.execute(sql.SQL("grant create, temporary on database {} to wh_loader, wh_dbt, wh_publish").format(db))
        conn.execute("revoke create on schema public from public")

        # -- schemas and owners
        for name, spec in specs.items():
            for schema in spec.get("owns_schemas") or []:
                if schema in ("official", "official_previous") and schema not in _schemas(conn):
                    continue                    # created by publish
                _ensure_schema(conn, schema, name)
        for schema in sorted(s for s in _schemas(conn) if s.startswith("release_")):
            _give_schema(conn, schema, "wh_publish")
        # the run log lives in audit (loader-owned); created here so that no component needs CREATE in audit
        from runtime import runlog

        conn.execute("set role wh_loader")
        conn.execute(runlog.DDL)
        from loaders.db import AUDIT_DDL

        conn.execute(AUDIT_DDL)
        conn.execute(signoff.DDL)
        conn.execute("reset role")
        # 审核确认: the portal records the departments' decisions and reads which build is under review; publish
        # reads them (foundation/signoff.py)
        conn.execute("grant usage on schema audit to wh_portal")
        conn.execute("grant select, insert on audit.signoff to wh_portal")
        conn.execute("grant usage on sequence audit.signoff_signoff_id_seq to wh_portal")
        conn.execute("grant select (run_id, action, data_month, finished_at, result) on audit.run_log to wh_portal")
        conn.execute("grant select on audit.signoff to wh_publish")
        # the 监督快报 written at publish summarises the month's loads and reconciliation (pipeline/bulletin.py)
        conn.execute("grant select on audit.load_batch, audit.reconciliation to wh_publish")
        # the reconciliation after every build (reconcile/) runs as dbt's role and records its differences
        conn.execute("grant select, insert on audit.reconciliation to wh_dbt")

        # -- who reads what the loader writes: dbt reads raw and audit, everyone writes the run log
        for schema in ("raw", "audit"):
            conn.execute(sql.SQL("grant usage on schema {} to wh_dbt, wh_publish, wh_backup, {}").format(
                sql.Identifier(schema), sql.Identifier(READ_OPS)) if schema == "audit" else
                sql.SQL("grant usage on schema {} to wh_dbt").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("grant select on all tables in schema {} to wh_dbt").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("alter default privileges for role wh_loader in schema {} "
                                 "grant select on tables to wh_dbt").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("grant select, insert, update on audit.run_log to {}").format(
            sql.SQL(", ").join(sql.Identifier(r) for r in RUN_LOG_WRITERS)))
        conn.execute(sql.SQL("grant usage on sequence audit.run_log_run_id_seq to {}").format(
            sql.SQL(", ").join(sql.Identifier(r) for r in RUN_LOG_WRITERS)))
        conn.execute(sql.SQL("grant select on audit.run_log, audit.load_batch, audit.load_run to {}").format(
            sql.Identifier(READ_OPS)))
        for table, cols in OPS_COLUMNS.items():
            conn.execute(sql.SQL("revoke select on {} from {}").format(_ident("audit", table), sql.Identifier(READ_OPS)))
            conn.execute(sql.SQL("grant select ({}) on {} to {}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in cols), _ident("audit", table), sql.Identifier(READ_OPS)))

        # -- the review release (marts): dbt's tables readable by publish and the review readers, now and later
        conn.execute(sql.SQL("grant usage on schema marts to wh_publish, {}").format(sql.Identifier(READ_REVIEW)))
        conn.execute(sql.SQL("grant select on all tables in schema marts to wh_publish, {}").format(
            sql.Identifier(READ_REVIEW)))
        conn.execute(sql.SQL("alter default privileges for role wh_dbt in schema marts grant select on tables "
                             "to wh_publish, {}").format(sql.Identifier(READ_REVIEW)))
        # quality report and status read the test failures and codes (dbt's own); nothing else does

        # -- 名单比对 / 自助分析 (listmatch/): reads dbt's identity models, staging views, code tables and the
        #    near-retirement library (now and after every rebuild), temporary tables for the uploaded identifiers
        for schema in LISTMATCH_READS:
            _ensure_schema(conn, schema, "wh_dbt")
            conn.execute(sql.SQL("grant usage on schema {} to wh_listmatch").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("grant select on all tables in schema {} to wh_listmatch").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("alter default privileges for role wh_dbt in schema {} grant select on tables "
                                 "to wh_listmatch").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("grant temporary on database {} to wh_listmatch").format(db))

        # -- the official release: grants + policies on what exists; publish re-applies them on every copy
        conn.execute(sql.SQL("alter default privileges for role wh_publish grant select on tables to {}").format(
            sql.Identifier(READ_OFFICIAL)))
        protected = {}
        for schema in ("official", "official_previous"):
            if schema in _schemas(conn):
                conn.execute("set role wh_publish")
                protected[schema] = apply_release_security(conn, schema)
                conn.execute("reset role")

        # -- the history database's view for the dashboards (历史数据库 固定图表查询): history's migration creates it and
        #    grants it to the official readers (its row security keeps district logins to their district); granted
        #    again here, as its owner, so that re-created roles get it back without waiting for the next publish
        if conn.execute("select to_regclass('history.v_observation_latest')").fetchone()[0]:
            owner = conn.execute("select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'history'"
                                 ).fetchone()[0]
            conn.execute(sql.SQL("set role {}").format(sql.Identifier(owner)))
            conn.execute(sql.SQL("grant usage on schema history to {}").format(sql.Identifier(READ_OFFICIAL)))
            conn.execute(sql.SQL("grant select on history.v_observation_latest, history.observation, history.indicator, "
                                 "history.region, history.classification to {}").format(sql.Identifier(READ_OFFICIAL)))
            conn.execute("reset role")

        # -- functions: PUBLIC keeps nothing that reads files, runs query text or writes large objects
        revoked = 0
        for oid_sig, in conn.execute(
                "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
                "where p.proname = any(%s) and n.nspname in ('pg_catalog', 'public') "
                "and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a "
                "     where a.grantee = 0 and a.privilege_type = 'EXECUTE'))",
                (list(REVOKED_FUNCTIONS),)).fetchall():
            try:
                conn.execute(f"revoke execute on function {oid_sig} from public")
                revoked += 1
            except psycopg.errors.InsufficientPrivilege:
                log(f"[roles] cannot revoke EXECUTE on {oid_sig} from PUBLIC (not its owner): ask the DBA")
        topic_readers = _ensure_topic_readers(conn)
        for schema in _schemas(conn):
            if schema.startswith("lib_"):
                conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema),
                                                                             sql.Identifier(SERVICES_GROUP)))
    log(f"[roles] {len(specs)} login roles and {len(GROUPS)} groups up to date in {dbname} (admin {admin}); "
        f"row security on {sum(len(v) for v in protected.values())} official tables; "
        f"EXECUTE revoked from PUBLIC on {revoked} function(s); {len(topic_readers)} topic-library reader roles; "
        f"passwords in {settings.ROLE_PASSWORDS}")
    return passwords


def service_role(name: str, topics: list[str], url: str | None = None) -> str:
    """The pattern for later services: login role wh_svc_<name>, member of nothing but its topic libraries.
    A topic that is a library of the dbt project (topic_<t>, e.g. `profile`) is granted through the library's
    reader role wh_read_topic_<t>; any other name gets schema lib_<t> for security-barrier views that mask
    identifiers (owned by wh_dbt). The role reads those and nothing else (no official, no raw)."""
    role = f"wh_svc_{name}"
    spec = access.model()["database_roles"]["wh_svc_{name}"]
    passwords = _passwords([role])
    url = url or settings.admin_url()
    with psycopg.connect(url, autocommit=True) as conn:
        dbname = conn.execute("select current_database()").fetchone()[0]
        _ensure_role(conn, role, login=True, password=passwords[role])
        conn.execute(sql.SQL("alter role {} connection limit {}").format(sql.Identifier(role),
                                                                      sql.Literal(int(spec["connection_limit"]))))
        conn.execute(sql.SQL("alter role {} in database {} set statement_timeout = {}").format(
            sql.Identifier(role), sql.Identifier(dbname), sql.Literal(spec["statement_timeout"])))
        conn.execute(sql.SQL("alter role {} in database {} set default_transaction_read_only = on").format(
            sql.Identifier(role), sql.Identifier(dbname)))
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), sql.Identifier(role)))
        libraries = set(topic_schemas())
        for t in topics:
            if f"topic_{t}" in libraries:
                _ensure_role(conn, topic_reader(f"topic_{t}"), login=False)
                _grant_member(conn, topic_reader(f"topic_{t}"), role, set_option=False)
                continue
            schema = f"lib_{t}"
            _ensure_schema(conn, schema, "wh_dbt")
            conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), sql.Identifier(role)))
            conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(
                sql.Identifier(schema), sql.Identifier(role)))
            conn.execute(sql.SQL("alter default privileges for role wh_dbt in schema {} grant select on tables to {}"
                                 ).format(sql.Identifier(schema), sql.Identifier(role)))
    return role


def check(url: str | None = None) -> list[dict]:
    """Every warehouse login role: superuser? owns tables? can create? — what the tests assert."""
    url = url or settings.admin_url()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolconnlimit, "
            "(select count(*) from pg_class c where c.relowner = r.oid) as owned, "
            "(select array_agg(s.setting) from pg_db_role_setting d, unnest(d.setconfig) s(setting) "
            " where d.setrole = r.oid) as settings "
            "from pg_roles r where r.rolname like 'wh\\_%' and r.rolcanlogin order by 1").fetchall()
    cols = ("role", "superuser", "createrole", "createdb", "bypassrls", "connection_limit", "owned_relations",
            "settings")
    return [dict(zip(cols, r)) for r in rows]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ops.roles")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup")
    sub.add_parser("check")
    sv = sub.add_parser("service")
    sv.add_argument("name")
    sv.add_argument("topics")
    sub.add_parser("topics")
    a = ap.parse_args(argv)
    if a.cmd == "setup":
        setup()
    elif a.cmd == "check":
        for r in check():
            print(json.dumps(r, ensure_ascii=False, default=str))
    elif a.cmd == "topics":
        for r in topic_grants():
            print(json.dumps(r, ensure_ascii=False))
    else:
        print(service_role(a.name, [t for t in a.topics.split(",") if t]))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def db_main(argv: list[str] | None = None) -> int:
    """`make db` / `python -m cli db start`: the cluster (runtime.pg), then var/ made private and the roles set up
    (one idempotent step, also for WAREHOUSE_URL); other sub-commands go to runtime.pg as they are."""
    import os
    import pwd

    from runtime import pg

    args = list(sys.argv[1:] if argv is None else argv)
    rc = pg.main(args)
    if args[:1] == ["start"] and not rc:
        legacy = settings.get().var / "pgdata"     # a cluster from before living in a real var/pgdata folder
        user = pg._run_as()
        group = pwd.getpwnam(user).pw_gid if user and legacy.is_dir() and not legacy.is_symlink() else None
        settings.harden_var(group)
        if os.environ.get("WAREHOUSE_ROLES", "on").lower() not in ("off", "0", "no"):
            setup()
    return rc or 0
