{#- Incremental refresh of the identity tables and the topic libraries' status tables after a daily (T+1) load.

    A daily load changes a few hundred persons of a few million; the models below recompute only the persons whose
    daily source rows changed since the last successful refresh and merge them into the table they built before:
    a pre-hook deletes those persons' rows, the model inserts their rows computed anew (incremental_strategy
    'append'), so a person who leaves every source leaves the table and a changed person is replaced.

    daily_incremental_since(): the start of the last successful topic refresh or monthly build (audit.run_log, as
    pipeline/daily.py counts the pending days) when this run may merge only the changed persons; none (recompute
    every row) when the model is built for the first time or with --full-refresh, when no successful run is
    recorded, when a monthly roll-up was loaded or replaced since (audit.load_batch: the as-of month and the
    monthly sources may have changed), or when a day was undone by a re-delivery since (the undone rows are gone
    from the daily tables, so their keys cannot be listed). A change to a model's SQL needs `make build
    FULL_REFRESH=1` (as for every incremental model of the project).
    daily_changed_persons(since): the normalised ID numbers with a daily version opened or closed by a delivery
    applied after `since`, in the 按日 person sources (police register, residence permits, death cancellations,
    points applicants) — a superset of the persons whose staging rows changed (macros/daily_state.sql reads a
    daily version only after the roll-up's month end), which is safe: a person recomputed without a change gets
    the same row.
    daily_changed_filter(col, since): `and <col> in (the changed persons)` inside the model's CTEs, or nothing.
    daily_incremental_delete(col, extra, key): the pre-hook — delete the changed persons' rows (those matching
    `extra` too, when given; `key`: the expression of the changed ID number `col` holds, md5(id_number) for a
    person_key), or every row when the run may not merge (the model then inserts every row again); nothing on
    a first build or --full-refresh. col none: nothing when merging (a model merged by delete+insert on its unique
    key, whose keys cannot disappear in a daily load), every row otherwise.
-#}
{#- the daily tables (schema raw) of the 按日 person sources -#}
{% macro daily_person_sources() -%}
    {{ return(['police_hukou_register_daily', 'police_residence_permit_daily', 'police_death_cancel_daily',
               'points_applicant_daily']) }}
{%- endmacro %}

{% macro daily_incremental_since() -%}
    {#- a dbt unit test renders the model without a relation of its own: every row, as on a first build -#}
    {%- if not execute or this is none or model.get('resource_type') == 'unit_test' or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(daily_refresh_since()) }}
{%- endmacro %}

{#- The audit part of daily_incremental_since(), for a caller that has checked its own relation (a snapshot). -#}
{% macro daily_refresh_since() -%}
    {%- set audit_tables = [] -%}
    {%- for t in ['run_log', 'load_batch', 'daily_delivery'] -%}
        {%- if adapter.get_relation(database=target.database, schema='audit', identifier=t) is none -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set q -%}
        with since as (
            select max(started_at) as t from audit.run_log
            where action in ('daily_refresh', 'build') and result = 'ok'
        )
        select to_char(s.t, 'YYYY-MM-DD HH24:MI:SS.US TZH:TZM')
        from since s
        where s.t is not null
          and not exists (select 1 from audit.load_batch b where b.finished_at > s.t or b.started_at > s.t)
          and not exists (select 1 from audit.daily_delivery d where d.status = 'superseded' and d.finished_at > s.t)
    {%- endset -%}
    {%- set rows = run_query(q).rows -%}
    {{ return(rows[0][0] if rows | length > 0 else none) }}
{%- endmacro %}

{#- the daily deliveries applied after `since` (the versions they opened or closed: indexed _delivery_id, _closed_by;
    matched with `= any(array(…))` so that the index is used — as a semi-join the planner expected the initial full
    load's hundreds of thousands of versions per delivery and read the whole daily table) -#}
{% macro daily_deliveries_since(since) -%}
    select delivery_id from audit.daily_delivery where finished_at > timestamptz '{{ since }}'
{%- endmacro %}

{#- One select per daily table (schema raw; a table not created yet is skipped) and per version column: `expression`
    (over the table as v) of the versions opened (_delivery_id) or closed (_closed_by) by the deliveries applied after
    `since`, named `name`. `sources`: [(table, expression)]. -#}
{% macro daily_touched_selects(sources, name, since) -%}
    {%- set parts = [] -%}
    {%- for tbl, expression in sources -%}
        {%- set rel = adapter.get_relation(database=target.database, schema='raw', identifier=tbl) -%}
        {%- if rel is not none -%}
            {%- for by in ['_delivery_id', '_closed_by'] -%}
                {%- do parts.append("select " ~ expression ~ " as " ~ name ~ " from " ~ rel ~ " v where v."
                    ~ by ~ " = any(array(" ~ daily_deliveries_since(since) ~ "))") -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}

{% macro daily_changed_persons(since) -%}
    {%- set sources = [] -%}
    {%- for tbl in daily_person_sources() -%}{%- do sources.append((tbl, normalize_id('v.id_number'))) -%}{%- endfor -%}
    {%- set parts = daily_touched_selects(sources, 'id_number', since) -%}
    {%- if parts -%}
    select id_number from ({{ parts | join(' union ') }}) c where id_number is not null
    {%- else -%}
    select null::text as id_number where false
    {%- endif -%}
{%- endmacro %}

{#- `= any(array(…))`, not `in (select …)`: the array is computed once (an InitPlan) and the condition on it is pushed
    down through the staging views (also into the daily-state view's union, macros/daily_state.sql) onto the raw
    tables, where an index on the same expression (loaders/db.py LOOKUP_INDEXES) finds the rows; `in (select …)` is a
    semi-join the planner cannot take into a view with a union, so every month of every source was read. -#}
{% macro daily_changed_filter(col, since) -%}
    {%- if since %} and {{ col }} = any(array(select id_number from changed_persons)){% endif -%}
{%- endmacro %}

{#- The same as a semi-join (`col` holding `key` of a changed person: id_number, or md5(id_number) for a person_key),
    for a table without an index on `col` (a topic status table read by its population table): one hash of the
    changed persons, where `= any(array(…))` would compare each row with every element of the array. -#}
{% macro daily_changed_semijoin(col, since, key='id_number') -%}
    {%- if since %} and {{ col }} in (select {{ key }} from changed_persons){% endif -%}
{%- endmacro %}

{#- For a staging view that normalises the ID number (macros/identity.sql normalize_id; the view's `<col>_raw` is the
    number as delivered): the same persons by the delivered number, upper-cased and trimmed — the expression the raw
    tables are indexed on. A delivered number normalises to N exactly when, upper-cased and trimmed, it is N or, for
    N = 6 digits + '19' + 9 digits + check, N's 15-digit form (the first 6 and the 9 after '19'); so this condition
    keeps every row of the changed persons (and the exact daily_changed_filter on the normalised number beside it
    drops the few others). -#}
{% macro daily_changed_raw_filter(raw_col, since) -%}
    {%- if since %} and upper(btrim({{ raw_col }})) = any(array(
        select k.key from changed_persons c
        cross join lateral (values (c.id_number),
            (case when c.id_number ~ '^[0-9]{6}19[0-9]{9}[0-9X]$'
                  then substr(c.id_number, 1, 6) || substr(c.id_number, 9, 9) end)) k (key)
        where k.key is not null)){% endif -%}
{%- endmacro %}

{#- Both: the exact filter on the normalised number and the indexed one on the delivered number. -#}
{% macro daily_changed_person_filter(col, raw_col, since) -%}
    {{- daily_changed_filter(col, since) }}{{ daily_changed_raw_filter(raw_col, since) -}}
{%- endmacro %}

{% macro daily_incremental_delete(col='id_number', extra=none, key='id_number') -%}
    {%- if execute and is_incremental() -%}
        {%- set since = daily_incremental_since() -%}
        {%- if since and not col -%}
            select 1
        {%- elif since -%}
            delete from {{ this }} where {{ col }} in (select {{ key }} from ({{ daily_changed_persons(since) }}) c){{ ' and ' ~ extra if extra }}
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- daily_changed_units(since, unit_records): the credit codes of the units with a daily version opened or closed
    after `since` in the 按日 sources that hold units (经信局法人库 by credit code; 市场监管 经营异常 / 严重违法失信 by the
    code they deliver, an older organisation code matched to the credit codes of int_identity__unit_records by its
    positions 9–17 (GB 32100, as int_identity__org_code_map maps it) — not through the record delivered with it,
    which a deletion of that day has removed;
    积分落户 applicants by their unit's credit code: a unit record of int_identity__unit_records, so the golden
    unit's sources). -#}
{% macro daily_changed_units(since, unit_records) -%}
    {%- set sources = [] -%}
    {%- for tbl, col in [('legal_person_basic_daily', 'credit_code'), ('market_serious_violation_daily', 'unit_code'),
                         ('market_abnormal_operation_daily', 'unit_code'), ('points_applicant_daily', 'credit_code')] -%}
        {%- do sources.append((tbl, 'upper(btrim(v.' ~ col ~ '))')) -%}
    {%- endfor -%}
    {%- set parts = daily_touched_selects(sources, 'code', since) -%}
    {%- if parts -%}
    with codes as ({{ parts | join(' union ') }})
    select code as credit_code from codes where length(code) = 18
    union
    select r.credit_code from {{ unit_records }} r
    join codes c on length(c.code) <> 18 and {{ org_code_of_credit('r.credit_code') }} = {{ org_code_form('c.code') }}
    where r.credit_code is not null
    {%- else -%}
    select null::text as credit_code where false
    {%- endif -%}
{%- endmacro %}

{% macro daily_changed_units_filter(col, since) -%}
    {%- if since %} and {{ col }} in (select credit_code from changed_units){% endif -%}
{%- endmacro %}

{#- The same units by the unit ids of a source keyed on unit_id (the raw tables are indexed on it): the ids the CTE
    `units` (unit_id → credit_code) gives the changed units. Implied by the join on unit_id and the credit-code filter
    beside it; it only lets the planner find the rows by the index. -#}
{% macro daily_changed_unit_ids_filter(col, units, since) -%}
    {%- if since %} and {{ col }} = any(array(select unit_id from {{ units }}
        where credit_code in (select credit_code from changed_units))){% endif -%}
{%- endmacro %}

{% macro daily_incremental_delete_units(unit_records) -%}
    {%- if execute and is_incremental() -%}
        {%- set since = daily_incremental_since() -%}
        {%- if since -%}
            delete from {{ this }} where credit_code in ({{ daily_changed_units(since, unit_records) }})
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- A model merged by the daily refresh (config meta daily_merged) that may not merge this run — a monthly roll-up
    loaded since the last successful refresh or build, a re-delivery, no refresh logged: daily_refresh_since() gives
    none — recomputes every row. It then builds as on --full-refresh (create the table anew, swap it in) instead of
    the pre-hook deleting every row and dbt inserting them all again through a temporary table: the same rows (what
    `bench.topics_daily --verify` compares a merged table with), written once, without dead rows and index updates.
    Every other model, and every model on an explicit --full-refresh or full_refresh config, is dbt's as before. -#}
{% macro should_full_refresh() -%}
    {%- set configured = dbt.should_full_refresh() -%}
    {%- if configured or config.get('full_refresh') is not none or not execute or model is not mapping
           or model.get('resource_type') != 'model' or not (model.get('config', {}).get('meta') or {}).get('daily_merged') -%}
        {{ return(configured) }}
    {%- endif -%}
    {{ return(daily_refresh_since() is none) }}
{%- endmacro %}
