-- 保居民就业专题库 单位就业信息监测 (口径 v1): every unit with enterprise-pension contributors (正常缴费) in the as-of
-- month or the month before: contributors, of them Beijing-hukou residents of the population, and the change.
-- Incremental (macros/topic_incremental.sql): after a daily load only the units that employ (in the as-of month) a
-- person the days changed are counted again and replace their rows (delete+insert on credit_code; a daily load
-- changes no contributor count, only who of them is in the population); a monthly build counts every unit again
-- (every row deleted first: a unit without contributors in the two months leaves).
{{ config(meta={'daily_merged': true}, contract={'enforced': true}, materialized='incremental',
          incremental_strategy='delete+insert',
          unique_key='credit_code', on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete(none) }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}as_of as (select {{ topic_as_of() }} as as_of_month),
units as (select distinct on (unit_id) unit_id, credit_code, unit_name, district_code
          from {{ ref('stg_pension__units') }} order by unit_id, month_start desc),
{%- if since %}
changed_units as materialized (
    select distinct u.credit_code
    from {{ ref('stg_pension__persons') }} p join units u using (unit_id)
    where p.month_start = (select as_of_month from as_of) and p.insured_status_code = '1'
      {{- daily_changed_filter('p.id_number', since) }}
),
changed_unit_ids as materialized (select unit_id, credit_code from units where true{{ daily_changed_units_filter('credit_code', since) }}),
{%- endif %}
pop as (select id_number from {{ ref('topic_employment_protection__status') }} where in_population),
emp as (
    select u.credit_code, p.month_start, count(distinct p.id_number) as employees,
           count(distinct pop.id_number) as resident_employees
    from {{ ref('stg_pension__persons') }} p
    join {{ 'changed_unit_ids' if since else 'units' }} u using (unit_id)
    left join pop on pop.id_number = p.id_number and p.month_start = (select as_of_month from as_of)
    where p.insured_status_code = '1'{% if since %} and p.unit_id = any(array(select unit_id from changed_unit_ids)){% endif %}
      and p.month_start in ((select as_of_month from as_of), ((select as_of_month from as_of) - interval '1 month')::date)
    group by u.credit_code, p.month_start
),
names as (select distinct on (credit_code) credit_code, unit_name, district_code from units
          where true{{ daily_changed_units_filter('credit_code', since) }} order by credit_code)
select
    n.credit_code::text, n.unit_name::text, n.district_code::text,
    coalesce(cur.employees, 0)::int                               as employees,
    coalesce(cur.resident_employees, 0)::int                      as resident_employees,
    coalesce(prev.employees, 0)::int                              as employees_prev_month,
    (coalesce(cur.employees, 0) - coalesce(prev.employees, 0))::int as employees_change,
    a.as_of_month::date,
    now()::timestamp                                              as refreshed_at
from names n
cross join as_of a
left join emp cur on cur.credit_code = n.credit_code and cur.month_start = a.as_of_month
left join emp prev on prev.credit_code = n.credit_code and prev.month_start = (a.as_of_month - interval '1 month')::date
where cur.credit_code is not null or prev.credit_code is not null
