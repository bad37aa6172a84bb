"""Attack suite, database level (issue 12): every component logs in as its own least-privilege role, and
whatever SQL those roles send — the probes that once read raw personal data, pg_shadow and server files
and wrote through Superset's SQL Lab — is refused by PostgreSQL itself, independent of any parser.

Runs against the built and published warehouse of `make db generate build publish` (roles from
`make db` = python -m cli roles setup).
"""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import psycopg
import pytest

import access
from foundation import settings
from pipeline import roles

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def admin():
    roles.setup(log=lambda *_: None)   # idempotent: running it again must change nothing that matters
    with psycopg.connect(settings.admin_url(), autocommit=True) as conn:
        if not conn.execute("select to_regclass('official.release_info')").fetchone()[0]:
            pytest.fail("no official release: run `make db generate build publish` first")
        yield conn


def connect(role: str) -> psycopg.Connection:
    return psycopg.connect(settings.role_url(role), autocommit=True, connect_timeout=10)


def refused(role: str, statement: str) -> str:
    """Run the statement as the role; return PostgreSQL's refusal (the test fails if it succeeds)."""
    with connect(role) as conn:
        try:
            conn.execute(statement)
            try:
                rows = conn.fetchall() if conn.pgconn.transaction_status is not None else None
            except psycopg.ProgrammingError:
                rows = None
        except psycopg.Error as e:
            return str(e).splitlines()[0]
    pytest.fail(f"{role} was allowed: {statement!r} → {rows!r}")


COMPONENT_ROLES = sorted(access.database_roles())
READERS = ["wh_superset", "wh_superset_review", "wh_cube", "wh_portal", *[access.district_database_role(c)
                                                                 for c in access.districts()]]


def test_every_component_has_its_own_role_none_superuser_none_owner_of_what_it_reads(admin):
    report = {r["role"]: r for r in roles.check()}
    assert set(COMPONENT_ROLES) <= set(report), set(COMPONENT_ROLES) - set(report)
    for name in COMPONENT_ROLES:
        r = report[name]
        assert not r["superuser"] and not r["createrole"] and not r["createdb"], r
        assert r["connection_limit"] > 0, r
        assert any(s.startswith("statement_timeout=") for s in r["settings"] or []), r
    for name in READERS:
        assert report[name]["owned_relations"] == 0, report[name]
        assert not report[name]["bypassrls"], report[name]
    # the owners: each writer owns exactly its own schemas' relations
    owners = dict(admin.execute(
        "select n.nspname, array_agg(distinct pg_get_userbyid(c.relowner)) from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace where n.nspname in "
        "('raw','audit','marts','staging','intermediate','official') group by 1").fetchall())
    assert owners["raw"] == ["wh_loader"] and owners["audit"] == ["wh_loader"], owners
    assert owners["marts"] == ["wh_dbt"] and owners["staging"] == ["wh_dbt"], owners
    assert owners["official"] == ["wh_publish"], owners


@pytest.mark.parametrize("component", ["loader", "dbt", "publish", "backup", "cube", "superset", "superset_review",
                                       "portal"])
def test_component_urls_never_log_in_as_the_owner(component):
    url = settings.component_url(component)
    assert settings.url_parts(url)["user"] == access.component_role(component)
    assert settings.url_parts(url)["user"] != settings.url_parts(settings.admin_url())["user"]
    with psycopg.connect(url) as conn:
        assert conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone() == (False,)


def test_row_security_on_every_official_table_with_a_district(admin):
    tables = roles.district_tables(admin, "official")
    assert len(tables) > 20, tables
    unprotected = admin.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'official' "
        "and c.relname = any(%s) and not c.relrowsecurity", (tables,)).fetchall()
    assert not unprotected, unprotected
    policies = admin.execute("select tablename, array_agg(policyname order by policyname) from pg_policies "
                             "where schemaname = 'official' group by 1").fetchall()
    assert {t for t, p in policies if p == ["all_districts", "own_district"]} == set(tables)


@pytest.mark.parametrize("code", ["110105", "110108", "110119"])
def test_a_district_role_reads_only_its_district_in_every_official_table(admin, code):
    role = access.district_database_role(code)
    with connect(role) as conn:
        for t in roles.district_tables(admin, "official"):
            seen = {r[0] for r in conn.execute(f'select distinct district_code::text from official."{t}"')}
            assert seen <= {code}, (t, seen)
        # the attack's tricks, as the role Superset uses for this district's charts
        assert conn.execute("select count(*) from official.rpt_pension_overview where district_code <> %s",
                            (code,)).fetchone() == (0,)
        assert conn.execute("select current_user").fetchone() == (role,)
    with connect("wh_superset") as conn:   # leadership and analysts see the whole city
        assert conn.execute("select count(distinct district_code) from official.rpt_pension_overview").fetchone()[0] > 1


DISTRICT = access.district_database_role("110105")


@pytest.mark.parametrize("role,statement", [
    # the district user's chart-data probes (custom SQL metrics): file, raw data, query text
    (DISTRICT, "select pg_read_file('pg_hba.conf')"),
    (DISTRICT, "select pg_read_binary_file('postgresql.conf')"),
    (DISTRICT, "select pg_ls_dir('.')"),
    (DISTRICT, "select count(*) from raw.ent_pension_person"),
    (DISTRICT, "select query_to_xml('select count(*) from official.rpt_pension_overview', true, false, '')"),
    (DISTRICT, "select ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery')"),
    (DISTRICT, "select count(*) from marts.rpt_pension_overview"),
    (DISTRICT, "select count(*) from audit.run_log"),
    (DISTRICT, "set role wh_district"),
    (DISTRICT, "set role wh_read_all_districts"),
    (DISTRICT, "select lo_import('/etc/passwd')"),
    (DISTRICT, "create extension dblink"),
    # the analyst's SQL Lab probes (wh_superset is the official connection's login)
    ("wh_superset", "prepare p as select id_number from raw.ent_pension_person; execute p"),
    ("wh_superset", "prepare p as select * from marts.rpt_pension_overview; execute p"),
    ("wh_superset", "select usename, passwd from pg_shadow"),
    ("wh_superset", "select pg_read_file('postgresql.conf')"),
    ("wh_superset", "select raw_line from audit.load_finding"),
    ("wh_superset", "select 1 as x into official.stolen"),
    ("wh_superset", "select 1 as x into temporary stolen"),
    ("wh_superset", "create table public.stolen (x int)"),
    ("wh_superset", "prepare w as insert into official.release_info (release_id) values (-1); execute w"),
    ("wh_superset", "delete from official.release_info"),
    ("wh_superset", "copy (select 1) to '/tmp/wh_probe_copy'"),
    ("wh_superset", "copy official.release_info to program 'id'"),
    ("wh_superset", "grant select on all tables in schema official to public"),
    ("wh_superset", "do $$ begin execute 'create table official.stolen(x int)'; end $$"),
    ("wh_superset", "select lo_from_bytea(0, 'x')"),
    ("wh_superset", "alter role wh_superset superuser"),
    ("wh_superset", "set session authorization warehouse"),
    ("wh_superset", "select dblink('dbname=warehouse', 'select 1')"),
    ("wh_superset", "call pg_catalog.pg_reload_conf()"),
    ("wh_superset", "select pg_reload_conf()"),
    ("wh_superset", "select pg_terminate_backend(pg_backend_pid())"),
    ("wh_superset_review", "select count(*) from official.rpt_pension_overview"),
    ("wh_superset_review", "select count(*) from raw.ent_pension_person"),
    ("wh_cube", "select count(*) from raw.ent_pension_person"),
    ("wh_cube", "select count(*) from staging.stg_ent_pension__person"),
    ("wh_cube", "create temporary table t (x int)"),
])
def test_probe_is_refused_by_the_database(admin, role, statement):
    refused(role, statement)


def test_multi_statement_write_is_refused_and_nothing_changed(admin):
    before = admin.execute("select count(*) from official.release_info").fetchone()
    refused("wh_superset", "select 1; delete from official.release_info; select 2")
    assert admin.execute("select count(*) from official.release_info").fetchone() == before
    assert admin.execute("select to_regclass('official.stolen')").fetchone() == (None,)
    assert not Path("/tmp/wh_probe_copy").exists()
    public = admin.execute("select count(*) from information_schema.role_table_grants "
                           "where grantee = 'PUBLIC' and table_schema in ('official','marts','raw','audit')").fetchone()
    assert public == (0,)


def test_public_keeps_no_file_query_text_or_large_object_function(admin):
    allowed = admin.execute(
        "select p.oid::regprocedure::text from pg_proc p where p.proname = any(%s) "
        "and has_function_privilege('wh_superset', p.oid, 'EXECUTE')", (list(roles.REVOKED_FUNCTIONS),)).fetchall()
    assert not allowed, allowed
    assert not admin.execute("select has_database_privilege('wh_superset', current_database(), 'TEMP')").fetchone()[0]


def test_grants_survive_a_dbt_rebuild_and_a_publish(admin):
    """Default privileges: what dbt creates in marts is readable by the review readers and publish; what
    publish creates is readable by the official readers; every marts table counts."""
    def unreadable(schema: str, *readers: str) -> list:
        return admin.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p') and not (select bool_and(has_table_privilege(r, c.oid, "
            "'SELECT')) from unnest(%s::text[]) r)", (schema, list(readers))).fetchall()

    assert not unreadable("marts", "wh_superset_review", "wh_publish", "wh_cube")
    assert not unreadable("official", "wh_superset", "wh_cube", DISTRICT)


def test_publish_as_its_role_recreates_row_security_on_the_copy(admin):
    from pipeline import release

    month = admin.execute("select data_month from official.release_info").fetchone()[0]
    before = admin.execute("select release_id from official.release_info").fetchone()[0]
    release.publish(month, force=True, url=settings.component_url("publish"), log=lambda *_: None)
    try:
        assert admin.execute("select release_id from official.release_info").fetchone()[0] != before
        test_row_security_on_every_official_table_with_a_district(admin)
        with connect(DISTRICT) as conn:
            assert {r[0] for r in conn.execute("select distinct district_code from official.rpt_pension_overview")} \
                == {"110105"}
    finally:
        release.rollback(url=settings.component_url("publish"), log=lambda *_: None)


def test_setup_is_idempotent_and_passwords_are_private(admin):
    first = settings.ROLE_PASSWORDS.read_text()
    roles.setup(log=lambda *_: None)
    assert settings.ROLE_PASSWORDS.read_text() == first
    assert stat.S_IMODE(settings.ROLE_PASSWORDS.stat().st_mode) == 0o600


def test_var_is_private():
    settings.harden_var(None if os.geteuid() else _service_gid())
    var_mode = stat.S_IMODE(settings.VAR.stat().st_mode)
    assert var_mode & 0o007 == 0 and var_mode & 0o070 in (0, 0o010), oct(var_mode)
    leaks = []
    for name in ("exchange", "rejects", "reports", "superset", "secrets", "backups", "cube"):
        top = settings.VAR / name
        for p in [top, *top.rglob("*")] if top.exists() else []:
            if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077:
                leaks.append(f"{oct(stat.S_IMODE(p.stat().st_mode))} {p}")
    assert not leaks, leaks[:20]


def test_new_files_are_created_private(tmp_path):
    p = tmp_path / f"probe_{secrets.token_hex(4)}"
    p.write_text("x")      # the process umask set by foundation.settings
    (tmp_path / "d").mkdir()
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700


def _service_gid() -> int | None:
    import pwd

    try:
        return pwd.getpwnam("warehouse_pg").pw_gid
    except KeyError:
        return None


def test_a_later_service_reads_its_topic_library_only(admin):
    """The pattern for later services: wh_svc_<name> reads the masking views of its topic libraries."""
    role = roles.service_role("probe", ["probe"])
    try:
        admin.execute("set role wh_dbt")
        admin.execute("create or replace view lib_probe.pension_by_district with (security_barrier) as "
                      "select district_code, sum(insured_active) as insured_active from marts.rpt_pension_overview "
                      "group by 1")
        admin.execute("reset role")
        with connect(role) as conn:
            assert conn.execute("select count(*) from lib_probe.pension_by_district").fetchone()[0] > 0
            assert conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone() == (False,)
        for statement in ("select count(*) from official.rpt_pension_overview", "select count(*) from marts.rpt_pension_overview",
                          "select count(*) from raw.ent_pension_person", "create table lib_probe.x (i int)"):
            refused(role, statement)
    finally:
        admin.execute("reset role")
        admin.execute("drop schema if exists lib_probe cascade")
        admin.execute(f"drop owned by {role}")
        admin.execute(f"drop role if exists {role}")


def test_the_portal_role_works_its_schema_and_nothing_else(admin):
    """The portal (历史数据库) reads and writes history's data as wh_portal, but cannot change its structure,
    read raw personal data or the review release; a district request's role sees its own district only."""
    if not admin.execute("select to_regclass('history.observation')").fetchone()[0]:
        pytest.fail("no history schema: run `make publish` (or `make portal`) first")
    with connect("wh_portal") as conn:
        assert conn.execute("select count(*) from history.observation").fetchone()[0] > 0
        conn.execute("set role history_district_reader")
        conn.execute("select set_config('history.district', '110105', false)")
        regions = {r[0] for r in conn.execute("select distinct region_code from history.observation")}
        assert regions <= {"110105"}, regions
    assert "permission denied" in refused("wh_portal", "create table history.probe (x int)")
    assert "permission denied" in refused("wh_portal", "select count(*) from raw.ent_pension_person")
    assert "permission denied" in refused("wh_portal", "select count(*) from marts.rpt_pension_overview")


def test_each_topic_library_has_its_own_reader_role_and_a_service_reads_only_its_libraries(admin):
    """One read-only role per topic library (wh_read_topic_<lib>): a service granted 人社电子画像 reads that schema
    and no other library, nothing official or raw, and cannot write; Superset reads the monitoring counts only."""
    libraries = roles.topic_schemas()
    catalogue = {"natural_person", "legal_person", "near_retirement", "unemployment_check", "agricultural_hukou",
                 "insurance_rights", "skill_subsidy", "self_service", "employment_protection", "unemployment_refund",
                 "hr_market", "profile"}    # the twelve 专题库 of the catalogue
    assert {f"topic_{x}" for x in catalogue} | {"topic_monitor"} <= set(libraries), libraries
    grants = {g["role"]: g for g in roles.topic_grants()}
    assert set(grants) == {roles.topic_reader(s) for s in libraries}
    assert grants["wh_read_topic_monitor"]["granted_to"] == ["wh_superset"]
    assert all(not g["granted_to"] for r, g in grants.items() if r != "wh_read_topic_monitor"), grants
    role = roles.service_role("probe_topics", ["profile"])
    try:
        with connect(role) as conn:
            assert conn.execute("select count(*) from topic_profile.topic_profile__persons").fetchone()[0] > 0
        for statement in ("select count(*) from topic_hr_market.topic_hr_market__persons",
                          "select count(*) from topic_natural_person.topic_natural_person__persons",
                          "select count(*) from official.rpt_pension_overview", "select count(*) from raw.police_hukou_register",
                          "delete from topic_profile.topic_profile__persons", "create table topic_profile.x (i int)"):
            refused(role, statement)
        with connect("wh_superset") as conn:
            assert conn.execute("select count(*) from topic_monitor.topic_monitor__libraries").fetchone()[0] == 12
        refused("wh_superset", "select count(*) from topic_profile.topic_profile__persons")
        refused("wh_superset", "select id_number from topic_natural_person.topic_natural_person__persons limit 1")
    finally:
        admin.execute(f"drop owned by {role}")
        admin.execute(f"drop role if exists {role}")
