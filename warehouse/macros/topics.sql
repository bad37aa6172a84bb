{#- Topic libraries (专题库) — shared pieces.

    topic_as_of(): the as-of month of every library: var topic_as_of ('YYYY-MM-01') when given, else the latest data
    month loaded (the sources' business date); topic_as_of_data_month(): the same month as a 'YYYYMM' literal.
    statutory_retirement_month(birth, gender, female_base_age): first month of the statutory retirement under the
    gradual-delay rules from 2025 (DOMAIN.md): old month = birth month + base age + 1; k = months from 2025-01;
    delay min(36, k/4+1) for men and women retiring at 55, min(60, k/2+1) for women at 50 (k ≥ 0).
    minimum_contribution_years(month): 15 through 2029, +0.5 a year from 2030, 20 from 2039.
    topic_change_log(snapshot, key, label): entered / left / changed rows between refreshes from the library's
    snapshot (check strategy on in_population and reason, hard deletes as new records), each with the sources'
    business date of the refresh that recorded it (topic_monitor__refreshes: a day after a daily load).
-#}
{% macro topic_as_of() -%}
    {%- if var('topic_as_of', none) -%} date '{{ var("topic_as_of") }}'
    {%- else -%} (select max(month_start) from {{ ref('stg_audit__load_batches') }})
    {%- endif -%}
{%- endmacro %}

{#- The as-of month as staging's 'YYYYMM' text literal (the raw tables' partition key), read when the model is
    compiled: `data_month = {{ topic_as_of_data_month() }}` reads the as-of month's partition only, where
    `month_start = <as-of>` (a date computed from the text) reads every month raw holds. -#}
{% macro topic_as_of_data_month() -%}
    {%- if var('topic_as_of', none) -%}'{{ var("topic_as_of")[0:4] ~ var("topic_as_of")[5:7] }}'
    {%- elif not execute -%}null
    {%- else -%}'{{ run_query("select coalesce(to_char(max(month_start), 'YYYYMM'), '') from "
                              ~ ref('stg_audit__load_batches')).columns[0].values()[0] }}'
    {%- endif -%}
{%- endmacro %}

{#- The sources' business date a refresh sees: the last day of the as-of month (the monthly roll-up's date), or the
    last business day the daily loader applied (audit.daily_delivery, pipeline/daily.py) when that is later. Read
    from the database, not passed as a var: a var that changes every day would make dbt parse the project again. -#}
{% macro topic_business_date() -%}
    {%- set daily = none -%}
    {%- if execute -%}
        {%- set daily = adapter.get_relation(database=target.database, schema='audit', identifier='daily_delivery') -%}
    {%- endif -%}
    greatest(({{ topic_as_of() }} + interval '1 month' - interval '1 day')::date
    {%- if daily is not none %}, (select max(business_date) from {{ daily }} where status = 'applied'){% endif %})
{%- endmacro %}

{% macro statutory_retirement_month(birth, gender, female_base_age) -%}
    (with_old.old_month + make_interval(months => case
        when with_old.k < 0 then 0
        when {{ gender }} = '2' and {{ female_base_age }} = 50 then least(60, with_old.k / 2 + 1)
        else least(36, with_old.k / 4 + 1) end))::date
{%- endmacro %}

{#- The old (pre-2025) retirement month and k, as a lateral subquery named with_old. -#}
{% macro retirement_old_month(birth, gender, female_base_age) -%}
    lateral (select o.old_month,
                    ((extract(year from o.old_month) - 2025) * 12 + extract(month from o.old_month) - 1)::int as k
             from (select (date_trunc('month', {{ birth }})
                           + make_interval(years => case when {{ gender }} = '1' then 60 else {{ female_base_age }} end,
                                           months => 1))::date as old_month) o) with_old
{%- endmacro %}

{% macro minimum_contribution_years(month) -%}
    (case when extract(year from {{ month }}) <= 2029 then 15.0
          else least(20.0, 15.0 + 0.5 * (extract(year from {{ month }}) - 2029)) end)
{%- endmacro %}

{#- `since` (a SQL expression, e.g. the last refresh's time): only the changes from then on, computed from the
    snapshot versions of the members that have one since then (each compared with its previous version, so the
    same rows as the whole log filtered on refreshed_at >= since) — the monitoring dashboard's counts of the last
    refresh without ranking every version of every member on each read. -#}
{% macro topic_change_log(snapshot, key, deleted_reason='不再出现在任何来源', since=none) -%}
with versions as (
    select {{ key }} as member_key, coalesce(in_population, false) as in_population, reason, dbt_valid_from,
           coalesce(dbt_is_deleted, 'False') = 'True' as is_deleted,
           lag(coalesce(in_population, false)) over w as prev_in_population,
           lag(coalesce(dbt_is_deleted, 'False') = 'True') over w as prev_deleted,
           lag(reason) over w as prev_reason
    from {{ ref(snapshot) }}
    {%- if since is not none %}
    where {{ key }} in (select {{ key }} from {{ ref(snapshot) }} where dbt_valid_from >= {{ since }})
    {%- endif %}
    window w as (partition by {{ key }} order by dbt_valid_from)
)
select
    member_key,
    dbt_valid_from                          as refreshed_at,
    case when is_deleted and coalesce(prev_in_population, false) then 'left'
         when not is_deleted and in_population and (prev_in_population is null or not prev_in_population or prev_deleted)
              then 'entered'
         when not is_deleted and not in_population and prev_in_population and not prev_deleted then 'left'
         when not is_deleted and in_population and prev_in_population then 'changed' end as change_type,
    case when is_deleted then '{{ deleted_reason }}' else reason end as reason,
    prev_reason,
    (select r.business_date from {{ ref('topic_monitor__refreshes') }} r
      where r.started_at <= versions.dbt_valid_from order by r.started_at desc limit 1) as business_date
from versions
where ((is_deleted and coalesce(prev_in_population, false))
       or (not is_deleted and (in_population or coalesce(prev_in_population, false))
           and (prev_in_population is distinct from in_population or prev_deleted
                or (in_population and reason is distinct from prev_reason))))
{%- if since is not none %}
  -- every kind of version, deletions included (without the parentheses above this bounded only the second kind)
  and dbt_valid_from >= {{ since }}
{%- endif %}
{%- endmacro %}
