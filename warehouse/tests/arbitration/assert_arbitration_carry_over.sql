-- Balance (case carry-over): for every district and every month whose previous month is loaded,
--   carried over(t) = carried over(t−1) + accepted(t−1) − closed(t−1)   (the previous month's pending cases).
-- Returns each month × district that does not roll forward, with both sides.
with r as (
    select month_start, district_code, carried_over, pending
    from {{ ref('rpt_arbitration_overview') }}
)
select cur.month_start, cur.district_code, prev.pending as pending_previous, cur.carried_over,
       cur.carried_over - prev.pending as difference
from r cur
join r prev on prev.district_code = cur.district_code
           and prev.month_start = (cur.month_start - interval '1 month')::date
where cur.carried_over <> prev.pending
