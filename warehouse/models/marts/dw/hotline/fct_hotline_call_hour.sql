-- 12333呼叫事实(月 × 日 × 小时 × 接听方式 × 业务类别): calls aggregated at the finest grain the charts use
-- (≈ 1.5 million calls a month at full scale; the call detail stays in int_hotline__calls).
-- Incremental by month like fct_pension_person_month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with agg as (
    select
        month_start, call_date, coalesce(call_hour, -1) as call_hour, weekday, channel_code, service_type_code,
        count(*)                                    as calls,
        count(*) filter (where is_agent)            as agent_calls,
        count(*) filter (where is_self_service)     as self_service_calls,
        count(*) filter (where is_abandoned)        as abandoned_calls,
        count(*) filter (where is_rated)            as rated_calls,
        count(*) filter (where is_satisfied)        as satisfied_calls,
        sum(wait_seconds)                           as wait_seconds,
        sum(talk_seconds)                           as talk_seconds,
        sum(talk_seconds) filter (where is_agent)   as agent_talk_seconds
    from {{ ref('int_hotline__calls') }}
    where {{ in_months_to_build('month_start') }}
    group by 1, 2, 3, 4, 5, 6
)
select
    a.month_start,
    (extract(year from a.month_start) * 100 + extract(month from a.month_start))::int as month_key,
    a.call_date, a.call_hour, a.weekday, (a.weekday <= 5)::int::smallint as is_weekday,
    a.channel_code, a.service_type_code,
    a.calls::bigint, a.agent_calls::bigint, a.self_service_calls::bigint, a.abandoned_calls::bigint,
    a.rated_calls::bigint, a.satisfied_calls::bigint, a.wait_seconds::bigint, a.talk_seconds::bigint,
    coalesce(a.agent_talk_seconds, 0)::bigint as agent_talk_seconds,
    b.source_batch_id
from agg a
join ({{ month_batch() }}) b on b.month_start = a.month_start
