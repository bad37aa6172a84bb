"""Schema `history` in the warehouse database: catalogue, observations with vintages, loads and change log.

Idempotent migration (`migrate`), catalogue sync from the YAML in history/catalogue/ (`sync_catalogue`),
vintage writes (`write_vintage`: a value is inserted only when it differs from the value currently known,
a revision adds a row and never overwrites) and "as of" reads (`read`).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

import psycopg
import yaml

HERE = Path(__file__).resolve().parent
CATALOGUE_DIR = HERE / "catalogue"
SCHEMA = "history"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.classification (
    code text primary key, parent_code text, name_zh text not null, sort int not null);
comment on table {SCHEMA}.classification is '分类体系(指标分类树)';
create table if not exists {SCHEMA}.region (
    code text primary key, name_zh text not null, level text not null, parent_code text, sort int not null);
comment on table {SCHEMA}.region is '地区(全国、京津冀、北京各区)';
create table if not exists {SCHEMA}.indicator (
    code text primary key, name_zh text not null, explanation text, unit text not null, decimals int not null,
    kind text not null check (kind in ('flow','stock','ratio','index')),
    numerator text, denominator text, ratio_scale numeric, frequency text not null check (frequency in ('M','Q','Y')),
    classification text not null references {SCHEMA}.classification(code), regions text[] not null,
    source text, origin text not null, mart text, mart_column text, mart_scale numeric, footnote text,
    catalogue_version text not null);
comment on table {SCHEMA}.indicator is '指标体系: 代码、名称、口径、单位、小数位、类型、频度、分类、地区、来源';
create table if not exists {SCHEMA}.series_break (
    indicator_code text not null references {SCHEMA}.indicator(code), region_code text not null,
    period text not null, note text not null, primary key (indicator_code, region_code, period));
comment on table {SCHEMA}.series_break is '口径断点: period 起为新口径';
create table if not exists {SCHEMA}.load (
    load_id bigserial primary key, kind text not null, started_at timestamptz not null default now(),
    loaded_by text not null, data_month text, detail jsonb not null default '{{}}'::jsonb);
comment on table {SCHEMA}.load is '每次写入(初始数据、发布后、导入)的记录';
create table if not exists {SCHEMA}.observation (
    obs_id bigserial primary key,
    indicator_code text not null references {SCHEMA}.indicator(code),
    region_code text not null references {SCHEMA}.region(code),
    period text not null, freq text not null check (freq in ('M','Q','Y')),
    value numeric, known_from timestamptz not null,
    provisional boolean not null default false, revised boolean not null default false,
    estimated boolean not null default false, is_break boolean not null default false,
    footnote text, source text, source_url text, load_id bigint references {SCHEMA}.load(load_id),
    unique (indicator_code, region_code, period, known_from));
comment on table {SCHEMA}.observation is '观测值及其版本(vintage): known_from 起该值为已知值; 修订新增一行, 不覆盖';
create index if not exists observation_lookup on {SCHEMA}.observation (indicator_code, region_code, period, known_from desc);
create table if not exists {SCHEMA}.series_current (
    indicator_code text not null, region_code text not null, freq text not null,
    idx_b bytea not null, val_b bytea not null, flag_idx int[], flags int[], fn_idx int[], footnotes text[],
    src_idx int[], sources text[], primary key (indicator_code, region_code, freq));
alter table {SCHEMA}.series_current alter column idx_b set storage external, alter column val_b set storage external;
comment on table {SCHEMA}.series_current is '每个序列的最新版本(数组形式, 由 write_vintage 维护): 大查询的快速读取路径';
create table if not exists {SCHEMA}.change_log (
    change_id bigserial primary key, load_id bigint not null references {SCHEMA}.load(load_id),
    changed_by text not null, changed_at timestamptz not null,
    indicator_code text not null, region_code text not null, period text not null,
    old_value numeric, new_value numeric, note text);
comment on table {SCHEMA}.change_log is '变更记录: 谁、何时、旧值 → 新值';
create table if not exists {SCHEMA}.reconciliation (
    load_id bigint not null references {SCHEMA}.load(load_id), indicator_code text not null, region_code text not null,
    period text not null, history_value numeric, mart_value numeric, ok boolean not null);
comment on table {SCHEMA}.reconciliation is '发布后写入的值与来源 mart 的核对';
create table if not exists {SCHEMA}.saved_query (
    query_id text primary key, name text not null, owner text not null, spec jsonb not null,
    created_at timestamptz not null default now());
create table if not exists {SCHEMA}.import_pending (
    token text primary key, created_by text not null, created_at timestamptz not null default now(),
    file_name text not null, rows jsonb not null);
create table if not exists {SCHEMA}.report (
    month text not null, generated_at timestamptz not null, asof timestamptz not null, path text not null,
    figures jsonb not null, primary key (month, generated_at));
-- district isolation in the database: a session with history.district set (the portal does it for district users)
-- sees only that district's observations, whatever the query says
alter table {SCHEMA}.observation enable row level security;
alter table {SCHEMA}.observation force row level security;
drop policy if exists district_only on {SCHEMA}.observation;
create policy district_only on {SCHEMA}.observation using (
    coalesce(current_setting('history.district', true), '') = '' or region_code = current_setting('history.district', true));
alter table {SCHEMA}.series_current enable row level security;
alter table {SCHEMA}.series_current force row level security;
drop policy if exists district_only on {SCHEMA}.series_current;
create policy district_only on {SCHEMA}.series_current using (
    coalesce(current_setting('history.district', true), '') = '' or region_code = current_setting('history.district', true));
-- the role district sessions run as (superusers bypass row-level security, so the portal switches to it)
do $$ begin
    if not exists (select from pg_roles where rolname = 'history_district_reader') then
        create role history_district_reader nologin;
    end if;
exception when insufficient_privilege then
    raise notice 'history_district_reader not created (no CREATEROLE): district isolation relies on a non-superuser owner';
end $$;
do $$ begin
    grant usage on schema {SCHEMA} to history_district_reader;
    grant select on all tables in schema {SCHEMA} to history_district_reader;
    grant insert on {SCHEMA}.saved_query to history_district_reader;
exception when undefined_object then null;
end $$;
-- the portal's own role (pipeline/roles.py): reads and writes the data of this schema, owns nothing
do $$ begin
    if exists (select from pg_roles where rolname = 'wh_portal') then
        grant usage on schema {SCHEMA} to wh_portal;
        grant select, insert, update, delete on all tables in schema {SCHEMA} to wh_portal;
        grant usage, select on all sequences in schema {SCHEMA} to wh_portal;
    end if;
end $$;
comment on table {SCHEMA}.report is '监测月报存档: 生成时间、所用数据版本(asof)与报告中的数字';
-- Superset's fixed charts (历史数据库 固定图表查询, superset/specs/195_history.py) read the newest vintage of every
-- value through this view, with its vintage (known_from), the number of vintages, flags and source. security_invoker:
-- the row security of history.observation applies to the reader, so a district login (wh_district_<code>) sees
-- its own district's series and the published (public) city / national / 京津冀 statistics — never another
-- district's series nor the warehouse's Beijing totals (as the official marts' Beijing rows are hidden from it).
create or replace view {SCHEMA}.v_observation_latest with (security_invoker = true) as
select o.indicator_code, i.name_zh as indicator_name, i.unit, i.kind, i.decimals, i.origin,
       coalesce(c.name_zh, i.classification) as class_name,
       o.region_code, r.name_zh as region_name, r.level as region_level, r.sort as region_sort,
       o.freq, o.period,
       case o.freq when 'M' then to_date(o.period || '-01', 'YYYY-MM-DD')
                   when 'Q' then make_date(substr(o.period, 1, 4)::int, (substr(o.period, 6, 1)::int - 1) * 3 + 1, 1)
                   else make_date(substr(o.period, 1, 4)::int, 1, 1) end as period_start,
       o.value, o.known_from,
       to_char(o.known_from at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as vintage_label,
       o.vintages,
       concat_ws('、', case when o.provisional then '初步' end, case when o.revised then '修订' end,
                 case when o.estimated then '估计' end, case when o.is_break then '口径断点' end) as flags,
       o.source, o.footnote
from (select x.*, row_number() over w as rn, count(*) over (partition by x.indicator_code, x.region_code, x.period, x.freq)
                 as vintages
      from {SCHEMA}.observation x
      window w as (partition by x.indicator_code, x.region_code, x.period, x.freq order by x.known_from desc)) o
join {SCHEMA}.indicator i on i.code = o.indicator_code
join {SCHEMA}.region r on r.code = o.region_code
left join {SCHEMA}.classification c on c.code = i.classification
where o.rn = 1;
comment on view {SCHEMA}.v_observation_latest is '各指标 × 地区 × 期别的最新版本(known_from 最大者)及版本数、标志、来源: Superset 固定图表查询读取';
do $$ begin
    if exists (select from pg_roles where rolname = 'wh_read_official') then
        grant usage on schema {SCHEMA} to wh_read_official;
        grant select on {SCHEMA}.v_observation_latest, {SCHEMA}.observation, {SCHEMA}.indicator, {SCHEMA}.region,
                        {SCHEMA}.classification to wh_read_official;
    end if;
    if exists (select from pg_roles where rolname = 'wh_district') then
        drop policy if exists district_login_own_district on {SCHEMA}.observation;
        create policy district_login_own_district on {SCHEMA}.observation as restrictive for select to wh_district
            using (region_code = substring(current_user::text from '^wh_district_([0-9]{{6}})$')
                   or (region_code !~ '^1101[0-9]{{2}}$'
                       and exists (select 1 from {SCHEMA}.indicator i
                                   where i.code = indicator_code and i.origin <> 'warehouse')));
    end if;
end $$;
"""


def url() -> str:
    from foundation import settings

    return settings.warehouse_url()


def connect(autocommit: bool = False, dsn: str | None = None) -> psycopg.Connection:
    return psycopg.connect(dsn or url(), autocommit=autocommit)


def operator() -> str:
    return os.environ.get("HISTORY_USER") or os.environ.get("USER") or "system"


# --- catalogue ---------------------------------------------------------------------------------------------

@dataclass
class Catalogue:
    classification: list[dict]
    regions: list[dict]
    indicators: dict[str, dict]
    breaks: list[dict]
    units: list[dict]
    version: str
    fixed_queries: list[dict] = None

    def region_name(self, code: str) -> str:
        return next((r["name_zh"] for r in self.regions if r["code"] == code), code)

    def convert_unit(self, value: float, unit_from: str, unit_to: str) -> float:
        if unit_from == unit_to:
            return value
        for u in self.units:
            if u["from"] == unit_from and u["to"] == unit_to:
                return value * u["factor"]
            if u["to"] == unit_from and u["from"] == unit_to:
                return value / u["factor"]
        raise KeyError(f"单位 {unit_from} 不能换算为 {unit_to}")

    def breaks_of(self, indicator: str, region: str) -> list[str]:
        return self._breaks_by_series.get((indicator, region), [])

    @cached_property
    def _breaks_by_series(self) -> dict[tuple[str, str], list[str]]:
        """The periods of the caliber breaks per (indicator, region), indexed once per catalogue: a query of 1 000
        series asks for each, and a scan of the whole list per series showed in the cold query's profile."""
        out: dict[tuple[str, str], list[str]] = {}
        for b in self.breaks:
            out.setdefault((b["indicator"], b["region"]), []).append(b["period"])
        return out


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    files = sorted(CATALOGUE_DIR.glob("*.yaml"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    main = yaml.safe_load((CATALOGUE_DIR / "catalogue.yaml").read_text(encoding="utf-8"))
    pub = yaml.safe_load((CATALOGUE_DIR / "published_indicators.yaml").read_text(encoding="utf-8"))
    districts = [r["code"] for r in main["regions"] if r["level"] == "district"]
    inds: dict[str, dict] = {}
    for d in main["warehouse_indicators"]:
        inds[d["code"]] = {**d, "frequency": "M", "origin": "warehouse",
                           "regions": ["110000"] if d.get("beijing_only") else ["110000", *districts],
                           "source": "北京市人力社保统计数据仓库正式版(每次发布后写入)"}
    for d in pub["indicators"]:
        inds[d["code"]] = {**d, "origin": "published"}
    return Catalogue(main["classification"], main["regions"], inds, main.get("breaks", []), main.get("units", []),
                     h.hexdigest()[:16], main.get("fixed_queries", []))


def migrate(conn) -> None:
    conn.execute(DDL)
    # rebuilt when empty, or when written by the version whose flag bits lacked parentheses (PostgreSQL's | and <<
    # have equal precedence: every flag came out as 64 or 8, so 修订/初步/估计 were lost from the answer)
    if conn.execute(f"""select (not exists (select 1 from {SCHEMA}.series_current)
                               or exists (select 1 from {SCHEMA}.series_current, unnest(flags) f where f > 15))
                           and exists (select 1 from {SCHEMA}.observation)""").fetchone()[0]:
        refresh_series(conn, None)


PIDX_SQL = ("case freq when 'M' then substr(period, 1, 4)::int * 12 + substr(period, 6, 2)::int - 1 "
            "when 'Q' then substr(period, 1, 4)::int * 4 + substr(period, 6, 1)::int - 1 else substr(period, 1, 4)::int end")


def refresh_series(conn, keys: list[tuple[str, str, str]] | None) -> None:
    """Rebuild history.series_current for the (indicator, region, freq) series given (None = all): the newest
    vintage of every period as arrays, the fast read path of large free-combination queries."""
    where = "" if keys is None else (
        "where (indicator_code, region_code, freq) in (select * from unnest(%s::text[], %s::text[], %s::text[]))")
    params = () if keys is None else ([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys])
    if keys is None:
        conn.execute(f"delete from {SCHEMA}.series_current")
    else:
        conn.execute(f"delete from {SCHEMA}.series_current {where}", params)
    conn.execute(f"""
        insert into {SCHEMA}.series_current
        select indicator_code, region_code, freq,
               string_agg(int4send(pidx), ''::bytea order by pidx),
               string_agg(float8send(coalesce(value::float8, 'NaN')), ''::bytea order by pidx),
               array_agg(pidx order by pidx) filter (where flags <> 0), array_agg(flags order by pidx) filter (where flags <> 0),
               array_agg(pidx order by pidx) filter (where footnote is not null),
               array_agg(footnote order by pidx) filter (where footnote is not null),
               array_agg(pidx order by pidx) filter (where source is not null),
               array_agg(source order by pidx) filter (where source is not null)
        from (select distinct on (indicator_code, region_code, period) indicator_code, region_code, freq, period,
                     {PIDX_SQL} as pidx, value, footnote, source,
                     (provisional::int | (revised::int << 1) | (estimated::int << 2) | (is_break::int << 3)) as flags
              from {SCHEMA}.observation {where}
              order by indicator_code, region_code, period, known_from desc) v
        group by 1, 2, 3""", params)


def sync_catalogue(conn) -> str:
    """Upsert the YAML catalogue into the database (indicators are never deleted: observations refer to them)."""
    cat = catalogue()
    migrate(conn)
    for i, c in enumerate(cat.classification):
        conn.execute(f"insert into {SCHEMA}.classification values (%s,%s,%s,%s) on conflict (code) do update set "
                     "parent_code = excluded.parent_code, name_zh = excluded.name_zh, sort = excluded.sort",
                     (c["code"], c.get("parent"), c["name_zh"], i))
    for i, r in enumerate(cat.regions):
        conn.execute(f"insert into {SCHEMA}.region values (%s,%s,%s,%s,%s) on conflict (code) do update set "
                     "name_zh = excluded.name_zh, level = excluded.level, parent_code = excluded.parent_code, sort = excluded.sort",
                     (r["code"], r["name_zh"], r["level"], r.get("parent"), i))
    for d in cat.indicators.values():
        conn.execute(
            f"""insert into {SCHEMA}.indicator values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)
                on conflict (code) do update set name_zh = excluded.name_zh, explanation = excluded.explanation,
                unit = excluded.unit, decimals = excluded.decimals, kind = excluded.kind, numerator = excluded.numerator,
                denominator = excluded.denominator, ratio_scale = excluded.ratio_scale, frequency = excluded.frequency,
                classification = excluded.classification, regions = excluded.regions, source = excluded.source,
                origin = excluded.origin, mart = excluded.mart, mart_column = excluded.mart_column,
                mart_scale = excluded.mart_scale, footnote = excluded.footnote, catalogue_version = excluded.catalogue_version""",
            (d["code"], d["name_zh"], d.get("explanation"), d["unit"], d["decimals"], d["kind"], d.get("numerator"),
             d.get("denominator"), d.get("ratio_scale"), d["frequency"], d["classification"], d["regions"],
             d.get("source"), d["origin"], d.get("mart"), d.get("column"), d.get("scale", 1), d.get("footnote"),
             cat.version))
    conn.execute(f"delete from {SCHEMA}.series_break")
    for b in cat.breaks:
        conn.execute(f"insert into {SCHEMA}.series_break values (%s,%s,%s,%s)",
                     (b["indicator"], b["region"], b["period"], b["note"]))
    return cat.version


def start_load(conn, kind: str, month: str | None = None, who: str | None = None, detail: dict | None = None) -> int:
    return conn.execute(f"insert into {SCHEMA}.load (kind, loaded_by, data_month, detail) values (%s,%s,%s,%s) "
                        "returning load_id", (kind, who or operator(), month, json.dumps(detail or {}, ensure_ascii=False))
                        ).fetchone()[0]


def current(conn, keys: list[tuple[str, str, str]], asof: datetime | None = None) -> dict[tuple, dict]:
    """The value known as of `asof` (default now) for each (indicator, region, period)."""
    if not keys:
        return {}
    rows = conn.execute(
        f"""select distinct on (o.indicator_code, o.region_code, o.period)
                   o.indicator_code, o.region_code, o.period, o.value, o.known_from
            from {SCHEMA}.observation o
            join unnest(%s::text[], %s::text[], %s::text[]) k(i, r, p)
              on o.indicator_code = k.i and o.region_code = k.r and o.period = k.p
            where o.known_from <= coalesce(%s, now())
            order by o.indicator_code, o.region_code, o.period, o.known_from desc""",
        ([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], asof)).fetchall()
    return {(r[0], r[1], r[2]): {"value": r[3], "known_from": r[4]} for r in rows}


def write_vintage(conn, rows: list[dict], load_id: int, known_from: datetime | None = None, who: str | None = None,
                  log_changes: bool = True) -> dict:
    """Insert the rows whose value differs from the currently known one (new or revised). Each row:
    indicator, region, period, freq, value, and optional flags/footnote/source/source_url.
    Returns counts {new, revised, unchanged}."""
    # default: the transaction's time, so that reads in the same transaction ("as of now()") see the rows
    known_from = known_from or conn.execute("select now()").fetchone()[0]
    who = who or operator()
    now = current(conn, [(r["indicator"], r["region"], r["period"]) for r in rows])
    counts = {"new": 0, "revised": 0, "unchanged": 0}
    ins, changes = [], []
    for r in rows:
        old = now.get((r["indicator"], r["region"], r["period"]))
        new_v = r["value"]
        if old is not None and _same(old["value"], new_v) and not r.get("force_vintage"):
            counts["unchanged"] += 1
            continue
        revised = old is not None
        counts["revised" if revised else "new"] += 1
        ins.append((r["indicator"], r["region"], r["period"], r["freq"], new_v, known_from,
                    bool(r.get("provisional")), revised or bool(r.get("revised")), bool(r.get("estimated")),
                    bool(r.get("is_break")), r.get("footnote"), r.get("source"), r.get("source_url"), load_id))
        changes.append((load_id, who, known_from, r["indicator"], r["region"], r["period"],
                        None if old is None else old["value"], new_v, r.get("footnote")))
    with conn.cursor() as cur:
        if ins:
            cur.executemany(
                f"""insert into {SCHEMA}.observation (indicator_code, region_code, period, freq, value, known_from,
                    provisional, revised, estimated, is_break, footnote, source, source_url, load_id)
                    values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)""", ins)
        if ins:
            refresh_series(conn, sorted({(r[0], r[1], r[3]) for r in ins}))
        if log_changes and changes:
            cur.executemany(
                f"""insert into {SCHEMA}.change_log (load_id, changed_by, changed_at, indicator_code, region_code,
                    period, old_value, new_value, note) values (%s,%s,%s,%s,%s,%s,%s,%s,%s)""", changes)
    return counts


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def read(conn, indicators: list[str], regions: list[str], period_from: str | None = None, period_to: str | None = None,
         asof: datetime | None = None, freq: str | None = None) -> list[dict]:
    """Observations known as of `asof` for the indicators × regions, between two periods (inclusive, text order
    works within one frequency: 'YYYY', 'YYYY-MM', 'YYYYQn')."""
    rows = conn.execute(
        f"""select distinct on (indicator_code, region_code, period)
                   indicator_code, region_code, period, freq, value, known_from, provisional, revised, estimated,
                   is_break, footnote, source, source_url
            from {SCHEMA}.observation
            where indicator_code = any(%s) and region_code = any(%s)
              and (%s::text is null or period >= %s) and (%s::text is null or period <= %s)
              and (%s::text is null or freq = %s)
              and known_from <= coalesce(%s, now())
            order by indicator_code, region_code, period, known_from desc""",
        (indicators, regions, period_from, period_from, period_to, period_to, freq, freq, asof)).fetchall()
    cols = ("indicator", "region", "period", "freq", "value", "known_from", "provisional", "revised", "estimated",
            "is_break", "footnote", "source", "source_url")
    return [dict(zip(cols, r)) for r in rows if r[4] is not None or True]


def revisions_since(conn, since: datetime, limit: int = 200) -> list[dict]:
    rows = conn.execute(
        f"""select c.changed_at, c.changed_by, c.indicator_code, i.name_zh, c.region_code, c.period, c.old_value, c.new_value
            from {SCHEMA}.change_log c join {SCHEMA}.indicator i on i.code = c.indicator_code
            where c.changed_at > %s and c.old_value is not null order by c.changed_at desc limit %s""",
        (since, limit)).fetchall()
    cols = ("changed_at", "changed_by", "indicator", "name_zh", "region", "period", "old_value", "new_value")
    return [dict(zip(cols, r)) for r in rows]
