"""Database side of loading: raw tables derived from the specs, the load-audit schema."""
from __future__ import annotations

import re

import psycopg

from foundation.spec import Spec

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.load_run (
    run_id        bigserial primary key,
    data_month    date not null,
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    run_by        text not null,
    forced        boolean not null default false,
    status        text not null default 'running',     -- running | loaded | refused | failed
    problems      jsonb not null default '[]'          -- completeness problems found
);
create table if not exists audit.load_batch (
    batch_id      bigserial primary key,
    run_id        bigint references audit.load_run,
    interface     text not null,
    provider      text not null,
    data_month    date not null,
    file_name     text not null,
    file_sha256   text not null,
    file_bytes    bigint not null,
    rows_read     bigint not null default 0,
    rows_loaded   bigint not null default 0,
    rows_rejected bigint not null default 0,
    findings_by_rule jsonb not null default '{}',
    status        text not null,                       -- loaded | superseded | held | failed
    message       text,
    run_by        text not null,
    started_at    timestamptz not null,
    finished_at   timestamptz not null default clock_timestamp(),
    duration_s    numeric(10,3) generated always as (extract(epoch from finished_at - started_at)) stored
);
create index if not exists load_batch_lookup on audit.load_batch (interface, data_month, status);
create table if not exists audit.load_finding (
    batch_id      bigint not null references audit.load_batch on delete cascade,
    interface     text not null,
    data_month    date not null,
    file_name     text not null,
    line_no       integer not null,
    column_name   text,
    rule          text not null,
    severity      text not null,                       -- reject | warn
    message       text not null,
    raw_line      bytea not null                       -- the row exactly as delivered
);
create index if not exists load_finding_batch on audit.load_finding (batch_id);
create table if not exists audit.interface (
    interface     text primary key,                    -- = raw table name
    source        text not null,                       -- subject area (interfaces/<source>/, check-table source)
    provider      text not null,
    title         text not null,
    file_pattern  text not null
);
comment on table audit.interface is '接口目录(由加载程序按接口规范写入): 接口 → 来源、提供方; 用于判断某月某来源是否交付齐全';
create table if not exists raw.check_table (
    source        text not null,
    data_month    date not null,
    district_code text not null,
    measure       text not null,
    value         numeric(20,2) not null,
    primary key (source, data_month, district_code, measure)
);
comment on table raw.check_table is '提供方数据核对表(长表: 来源 × 月份 × 区县 × 指标)';
-- written by the reconciliation after every build (reconcile/), as dbt's role: pipeline/roles.py grants it
create table if not exists audit.reconciliation (
    run_id          bigint not null,
    checked_at      timestamptz not null default now(),
    schema_name     text not null,
    indicator_code  text not null,
    indicator_name  text not null,
    comparison      text not null,          -- cube | superset | check_table | error
    published_in    text not null,          -- e.g. cube pension.insured_total
    month_key       integer,
    district_code   text,
    mart_value      numeric,
    other_value     numeric,
    difference      numeric,
    note            text
);
comment on table audit.reconciliation is '一数一源核对: 每次构建后, 每个发布指标在报表集市与多维服务、看板数据集、提供方核对表之间逐月逐区县(含全市)的差异';
create index if not exists reconciliation_run on audit.reconciliation (run_id);
-- the scale of a synthetic drop (its _manifest.json, written by synth/): the one place the warehouse learns it, so
-- the figures the data is compared with (fund budgets, KPI goals) are taken at the drop's scale (dim_month.data_scale)
create table if not exists audit.drop_manifest (
    data_month    date primary key,
    scale         numeric not null check (scale > 0),
    seed          bigint,
    generator     integer,
    file_sha256   text not null,
    recorded_at   timestamptz not null default now()
);
comment on table audit.drop_manifest is '合成数据清单(_manifest.json)的规模: 每月一行(加载时记录); 实际报送没有清单, 规模按 1(北京实际)计';
"""


def ensure_audit(conn: psycopg.Connection) -> None:
    conn.execute(AUDIT_DDL)


MANIFEST = "_manifest.json"


def record_drop_manifest(conn: psycopg.Connection, month_start, folder, log=print) -> float | None:
    """The scale of the month's synthetic drop (params.scale of `folder`/_manifest.json) into audit.drop_manifest;
    a folder without a manifest (a real delivery) removes the month's row (scale 1). Returns the scale recorded.
    A manifest that cannot be read is named and left out (the month then counts at scale 1), never a traceback."""
    import hashlib
    import json

    path = folder / MANIFEST
    if not path.exists():
        conn.execute("delete from audit.drop_manifest where data_month = %s", (month_start,))
        return None
    data = path.read_bytes()
    try:
        params = json.loads(data.decode("utf-8"))["params"]
        scale = float(params["scale"])
        if not scale > 0:
            raise ValueError(f"scale {params['scale']!r} 不是正数")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        log(f"[load] {path}: 合成数据清单无法读取 (params.scale): {e}; 本月规模按 1 计")
        conn.execute("delete from audit.drop_manifest where data_month = %s", (month_start,))
        return None
    conn.execute(
        "insert into audit.drop_manifest (data_month, scale, seed, generator, file_sha256) values (%s,%s,%s,%s,%s) "
        "on conflict (data_month) do update set scale = excluded.scale, seed = excluded.seed, "
        "generator = excluded.generator, file_sha256 = excluded.file_sha256, recorded_at = now()",
        (month_start, scale, params.get("seed"), params.get("generator"), hashlib.sha256(data).hexdigest()))
    return scale


def raw_table(spec: Spec) -> str:
    return f"raw.{spec.interface}"


def register_interface(conn: psycopg.Connection, spec: Spec) -> None:
    """The interface in audit.interface (source, provider, title), so the warehouse knows which files make a source."""
    conn.execute("insert into audit.interface (interface, source, provider, title, file_pattern) values (%s,%s,%s,%s,%s) "
                 "on conflict (interface) do update set source = excluded.source, provider = excluded.provider, "
                 "title = excluded.title, file_pattern = excluded.file_pattern",
                 (spec.interface, spec.source, spec.provider, spec.title, spec.file_pattern))


def ensure_raw_table(conn: psycopg.Connection, spec: Spec) -> None:
    """raw.<interface> from the spec, partitioned by data_month: one partition per delivered month (created at its
    load, `month_partition`), so a month is replaced, detached, archived and re-attached whole and a replacement
    leaves no dead rows. A table of an older version (one heap for every month) is partitioned in place once;
    columns the spec gained since are added (to every partition)."""
    kind = conn.execute("select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        "where n.nspname = 'raw' and c.relname = %s", (spec.interface,)).fetchone()
    if kind is None:
        cols = ",\n  ".join(f"{c.name} {c.pg_type}" for c in spec.columns)
        conn.execute(f"""create table if not exists {raw_table(spec)} (
  {cols},
  _line_no integer not null,
  _batch_id bigint not null
) partition by list (data_month)""")
    elif kind[0] == "r":
        _partition_in_place(conn, spec)
    existing = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema='raw' and table_name=%s",
        (spec.interface,))}
    for c in spec.columns:
        if c.name not in existing:
            conn.execute(f"alter table {raw_table(spec)} add column {c.name} {c.pg_type}")
    conn.execute(f"comment on table {raw_table(spec)} is %s" % psycopg.sql.quote(f"{spec.title}(原始层, 按数据月份分区)"))
    for c in spec.columns:
        conn.execute(f"comment on column {raw_table(spec)}.{c.name} is "
                     + psycopg.sql.quote(c.label + ("(个人敏感信息)" if c.pii else "")))


# Look-up indexes of the raw tables the daily refresh of the topic libraries reads person by person (or unit by unit):
# macros/topic_incremental.sql filters the staging views on the changed persons' keys, and these indexes let the filter
# reach the raw rows instead of scanning every month. The expression must be the staging view's own key expression:
# `upper(id_number)` where the view says so (stg_pension__persons …); `upper(btrim(id_number))` where it normalises
# the ID number (macros/identity.sql normalize_id: upper-cased, trimmed, 15 → 18 digits), which the models match
# with the changed persons' 18- and 15-digit forms (topic_incremental.sql daily_changed_keys). On the monthly tables
# they are built per month partition, in bulk, by the next build or daily load (ensure_all_lookup_indexes: the missing
# ones) — not on the partitioned parent, which would maintain them row by row during the load's COPY: at scale 1.0
# that made the load of the largest file 3–5 times slower (bench/results/scale_load_1.0_lookup_indexes.md). A query on
# the parent uses each partition's own index; a month not yet indexed is read whole, still correctly. `data_month` of the 按日 sources: the daily-state views (macros/daily_state.sql) read the latest roll-up
# month, max(data_month), through it.
LOOKUP_INDEXES: dict[str, tuple[str, ...]] = {
    "police_hukou_register": ("upper(btrim(id_number))", "data_month"),
    "police_residence_permit": ("upper(btrim(id_number))", "data_month"),
    "police_death_cancel": ("upper(btrim(id_number))", "data_month"),
    "points_applicant": ("upper(btrim(id_number))", "data_month"),
    "legal_person_basic": ("data_month",),
    "market_serious_violation": ("data_month",),
    "market_abnormal_operation": ("data_month",),
    "civil_cremation": ("upper(btrim(id_number))",),
    "civil_low_income": ("upper(btrim(id_number))",),
    "disabled_person": ("upper(btrim(id_number))",),
    "skill_subsidy_person": ("upper(btrim(id_number))",),
    "ent_pension_person": ("upper(id_number)", "unit_id"),
    "ent_pension_retiree": ("upper(id_number)",),
    "public_pension_person": ("upper(id_number)",),
    "public_pension_retiree": ("upper(id_number)",),
    "residents_pension_enrol": ("upper(id_number)",),
    "unemployed_registry_person": ("upper(id_number)",),
    "unemp_benefit": ("upper(id_number)",),
    "job_market_seeker": ("upper(id_number)",),
    "training_trainee": ("upper(id_number)",),
    "unemp_contribution": ("unit_id",),
    "unemp_insured": ("unit_id",),
}


def lookup_indexes(table: str, interface: str) -> list[tuple[str, str]]:
    """(name, `create index if not exists`) of the look-up indexes of one interface's table (raw.<interface>, a month
    partition raw.<interface>__<YYYYMM> or the daily table raw.<interface>_daily), named after `table`."""
    out = []
    exprs = LOOKUP_INDEXES.get(interface, ())
    if table.endswith("_daily"):  # the daily state: no data_month; the versions changed after a date (daily_state.sql)
        exprs = tuple(e for e in exprs if e != "data_month") + ("_valid_from", "_valid_to")
    for expr in exprs:
        col = expr if expr.isidentifier() else f"({expr})"
        name = f"{table.split('.')[-1]}_by_{re.sub(r'[^a-z0-9]+', '_', expr).strip('_')}"[:63]
        out.append((name, f"create index if not exists {name} on {table} ({col})"))
    return out


def lookup_index_ddl(table: str, interface: str) -> list[str]:
    return [ddl for _, ddl in lookup_indexes(table, interface)]


def create_lookup_indexes(conn: psycopg.Connection, table: str, interface: str) -> None:
    """The look-up indexes of one table (a month partition once its rows are in, or a daily table)."""
    for ddl in lookup_index_ddl(table, interface):
        conn.execute(ddl)


def drop_partition_lookup_indexes(conn: psycopg.Connection, spec: Spec, partition: str) -> None:
    """Before a month partition is (re)filled: its look-up indexes are built again after the COPY, in bulk."""
    for name, _ in lookup_indexes(partition, spec.interface):
        conn.execute(f"drop index if exists raw.{name}")


def ensure_all_lookup_indexes(conn: psycopg.Connection) -> list[str]:
    """The look-up indexes missing on the raw tables that exist (every month partition of the monthly tables, and
    the daily tables): a warehouse of an earlier version gets them at its next daily load. Only the missing ones are
    created (`create index if not exists` would still lock each table). Returns the indexes created."""
    have = {r[0] for r in conn.execute("select indexname from pg_indexes where schemaname = 'raw'")}
    tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'raw'")}
    partitions: dict[str, list[str]] = {}
    for parent, child in conn.execute(
            "select p.relname, c.relname from pg_inherits i join pg_class p on p.oid = i.inhparent "
            "join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = p.relnamespace "
            "where n.nspname = 'raw' and p.relkind = 'p'"):
        partitions.setdefault(parent, []).append(child)
    made = []
    for iface in LOOKUP_INDEXES:
        for t in [*partitions.get(iface, []), f"{iface}_daily"]:
            if t in tables:
                for name, ddl in lookup_indexes(f"raw.{t}", iface):
                    if name not in have:
                        conn.execute(ddl)
                        made.append(name)
    return made


def partition_name(interface: str, month: str) -> str:
    return f"{interface}__{month}"


def month_partition(conn: psycopg.Connection, spec: Spec, month: str) -> str:
    """raw.<interface>__<YYYYMM>, the partition of one delivered month (created empty if missing)."""
    name = f"raw.{partition_name(spec.interface, month)}"
    if conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is None:
        conn.execute(f"create table if not exists {name} partition of {raw_table(spec)} for values in "
                     f"({psycopg.sql.quote(month)})")
    return name


def _partition_in_place(conn: psycopg.Connection, spec: Spec) -> None:
    """One heap of every month (before raw was partitioned) → the partitioned table with one partition per month,
    in one transaction: the rows are copied month by month, then the old heap is dropped."""
    old = f"{spec.interface}__unpartitioned"
    with conn.transaction():
        conn.execute(f"alter table {raw_table(spec)} rename to {old}")
        conn.execute(f"alter index if exists raw.{spec.interface}_month rename to {old}_month")
        conn.execute(f"create table {raw_table(spec)} (like raw.{old}) partition by list (data_month)")
        months = [r[0] for r in conn.execute(f"select distinct data_month from raw.{old} order by 1")]
        for month in months:
            part = month_partition(conn, spec, month)
            conn.execute(f"insert into {part} select * from raw.{old} where data_month = %s", (month,))
            create_lookup_indexes(conn, part, spec.interface)
        conn.execute(f"drop table raw.{old}")
