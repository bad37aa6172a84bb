-- 专题库刷新记录: one row per dbt run that refreshed the topic libraries — the monthly build, or the refresh after a
-- daily (T+1) load (pipeline/daily.py) — with the sources' business date it saw: 'daily' when the daily state goes
-- past the latest roll-up's month end. The change logs date each entry with the business date of its refresh.
{{ config(materialized='incremental', unique_key='invocation_id') }}
with seen as (
    select {{ topic_as_of() }} as as_of_month, {{ topic_business_date() }} as business_date
)
select
    '{{ invocation_id }}'::text                                                    as invocation_id,
    ('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00'::timestamptz)::timestamp as started_at,
    case when business_date > (as_of_month + interval '1 month' - interval '1 day')::date
         then 'daily' else 'monthly' end                                           as refresh_kind,
    as_of_month,
    business_date
from seen
