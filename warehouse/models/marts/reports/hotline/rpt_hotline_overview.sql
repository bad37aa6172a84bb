-- 12333电话咨询概览: one row per loaded month for 北京市 (the hotline is city-wide).
-- 呼入总量 = 人工接听 + 自助服务 + 放弃呼叫; 接通率 = (人工 + 自助) ÷ 呼入总量; 满意率 = 满意及基本满意 ÷ 参评量.
with a as (
    select month_start,
           sum(calls) as total_calls, sum(agent_calls) as agent_calls, sum(self_service_calls) as self_service_calls,
           sum(abandoned_calls) as abandoned_calls, sum(rated_calls) as rated_calls,
           sum(satisfied_calls) as satisfied_calls, sum(agent_talk_seconds) as talk_seconds,
           sum(wait_seconds) filter (where channel_code = '1') as agent_wait_seconds
    from {{ ref('fct_hotline_call_hour') }} group by 1
),
base as (
    select month_start,
           total_calls::bigint, agent_calls::bigint, self_service_calls::bigint, abandoned_calls::bigint,
           rated_calls::bigint, satisfied_calls::bigint, talk_seconds::bigint,
           coalesce(agent_wait_seconds, 0)::bigint as agent_wait_seconds
    from a
)
select
    b.month_start,
    (extract(year from b.month_start) * 100 + extract(month from b.month_start))::int as month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                                          as month_label,
    '110000'::text                                                                    as district_code,
    '北京市'::text                                                                    as district_name,
    b.total_calls, b.agent_calls, b.self_service_calls, b.abandoned_calls,
    (b.agent_calls + b.self_service_calls)::bigint                                    as connected_calls,
    b.rated_calls, b.satisfied_calls, b.talk_seconds, b.agent_wait_seconds,
    round((b.agent_calls + b.self_service_calls)::numeric / nullif(b.total_calls, 0), 4)::numeric(10,4) as connect_rate,
    round(b.agent_calls::numeric / nullif(b.total_calls, 0), 4)::numeric(10,4)          as agent_rate,
    round(b.satisfied_calls::numeric / nullif(b.rated_calls, 0), 4)::numeric(10,4)      as satisfaction_rate,
    round(b.talk_seconds::numeric / nullif(b.agent_calls, 0), 1)::numeric(10,1)         as avg_agent_talk_seconds,
    round(b.agent_wait_seconds::numeric / nullif(b.agent_calls, 0), 1)::numeric(10,1)   as avg_agent_wait_seconds,
    round((b.total_calls - pm.total_calls)::numeric / nullif(pm.total_calls, 0), 4)::numeric(12,4) as total_calls_mom_growth,
    round((b.total_calls - py.total_calls)::numeric / nullif(py.total_calls, 0), 4)::numeric(12,4) as total_calls_yoy_growth
from base b
left join base pm on pm.month_start = (b.month_start - interval '1 month')::date
left join base py on py.month_start = (b.month_start - interval '1 year')::date
