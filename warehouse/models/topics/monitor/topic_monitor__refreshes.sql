-- 专题库刷新记录: one row per dbt run that refreshed the topic libraries — the monthly build, or the refresh after a
-- daily (T+1) load (pipeline/daily.py, var topic_refresh_kind = 'daily') — with the sources' business date it saw.
-- The change logs date each entry with the business date of the refresh that recorded it.
{{ config(materialized='incremental', unique_key='invocation_id') }}
select
    '{{ invocation_id }}'::text                                                    as invocation_id,
    ('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00'::timestamptz)::timestamp as started_at,
    '{{ var("topic_refresh_kind", "monthly") }}'::text                             as refresh_kind,
    {{ topic_as_of() }}                                                            as as_of_month,
    {{ topic_business_date() }}                                                    as business_date
