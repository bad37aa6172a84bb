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
    daily_incremental_delete(col, extra): the pre-hook — delete the changed persons' rows (those matching `extra`
    too, when given), or every row when the run may not merge (the model then inserts every row again); nothing on
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

{#- the daily deliveries applied after `since` (the versions they opened or closed: indexed _delivery_id, _closed_by) -#}
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
                    ~ by ~ " in (" ~ daily_deliveries_since(since) ~ ")") -%}
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

{% macro daily_changed_filter(col, since) -%}
    {%- if since %} and {{ col }} in (select id_number from changed_persons){% endif -%}
{%- endmacro %}

{% macro daily_incremental_delete(col='id_number', extra=none) -%}
    {%- if execute and is_incremental() -%}
        {%- set since = daily_incremental_since() -%}
        {%- if since and not col -%}
            select 1
        {%- elif since -%}
            delete from {{ this }} where {{ col }} in ({{ daily_changed_persons(since) }}){{ ' and ' ~ extra if extra }}
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- daily_changed_units(since, unit_records): the credit codes of the units with a daily version opened or closed
    after `since` in the 按日 unit sources (经信局法人库 by credit code; 市场监管 经营异常 / 严重违法失信 by the code they
    deliver, an older organisation code resolved through int_identity__unit_records as it stands now). -#}
{% macro daily_changed_units(since, unit_records) -%}
    {%- set sources = [] -%}
    {%- for tbl, col in [('legal_person_basic_daily', 'credit_code'), ('market_serious_violation_daily', 'unit_code'),
                         ('market_abnormal_operation_daily', 'unit_code')] -%}
        {%- do sources.append((tbl, 'upper(btrim(v.' ~ col ~ '))')) -%}
    {%- endfor -%}
    {%- set parts = daily_touched_selects(sources, 'code', since) -%}
    {%- if parts -%}
    with codes as ({{ parts | join(' union ') }})
    select code as credit_code from codes where length(code) = 18
    union
    select r.credit_code from {{ unit_records }} r join codes c on c.code = r.delivered_code where r.credit_code is not null
    {%- else -%}
    select null::text as credit_code where false
    {%- endif -%}
{%- endmacro %}

{% macro daily_changed_units_filter(col, since) -%}
    {%- if since %} and {{ col }} in (select credit_code from changed_units){% endif -%}
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
