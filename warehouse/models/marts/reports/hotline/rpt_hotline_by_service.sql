-- 12333按咨询业务类别: month × service type; sums over the types equal rpt_hotline_overview.
-- 接通率 = (人工 + 自助) ÷ 呼入总量; 占比 = 该类呼入量 ÷ 当月呼入总量.
with a as (
    select month_start, month_key, service_type_code,
           sum(calls) as total_calls, sum(agent_calls) as agent_calls, sum(self_service_calls) as self_service_calls,
           sum(abandoned_calls) as abandoned_calls, sum(rated_calls) as rated_calls,
           sum(satisfied_calls) as satisfied_calls, sum(agent_talk_seconds) as talk_seconds
    from {{ ref('fct_hotline_call_hour') }} group by 1, 2, 3
)
select
    a.month_start, a.month_key, a.service_type_code,
    coalesce(st.name, '未知')                     as service_type_name,
    a.total_calls::bigint, a.agent_calls::bigint, a.self_service_calls::bigint, a.abandoned_calls::bigint,
    a.rated_calls::bigint, a.satisfied_calls::bigint, a.talk_seconds::bigint,
    round((a.agent_calls + a.self_service_calls)::numeric / nullif(a.total_calls, 0), 4)::numeric(10,4) as connect_rate,
    round(a.satisfied_calls::numeric / nullif(a.rated_calls, 0), 4)::numeric(10,4)                   as satisfaction_rate,
    round(a.total_calls::numeric / nullif(sum(a.total_calls) over (partition by a.month_start), 0), 4)::numeric(10,4) as call_share
from a
-- the HR code seeds are loaded with integer codes: compare as zero-padded text
left join {{ ref('code_service_type') }} st on lpad(st.code::text, 2, '0') = a.service_type_code
