-- Consistency: every call of a month's file was received in that month (a call dated elsewhere would put the
-- day/hour charts out of line with the month totals). Returns the months and dates concerned.
select month_start, call_date, count(*) as calls
from {{ ref('int_hotline__calls') }}
where call_date is null or date_trunc('month', call_date)::date <> month_start
group by 1, 2
