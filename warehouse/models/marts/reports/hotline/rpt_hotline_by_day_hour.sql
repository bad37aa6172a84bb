-- 12333按日期与时段: month × call date × hour of day (only hours with calls); sums equal rpt_hotline_overview.
-- Charts by day (sum over hours), by hour (sum over days) and weekday/weekend profiles read from here.
select
    month_start, month_key, call_date, weekday, is_weekday, call_hour,
    sum(calls)::bigint              as total_calls,
    sum(agent_calls)::bigint        as agent_calls,
    sum(self_service_calls)::bigint as self_service_calls,
    sum(abandoned_calls)::bigint    as abandoned_calls,
    round(sum(agent_calls + self_service_calls)::numeric / nullif(sum(calls), 0), 4)::numeric(10,4) as connect_rate
from {{ ref('fct_hotline_call_hour') }}
group by 1, 2, 3, 4, 5, 6
