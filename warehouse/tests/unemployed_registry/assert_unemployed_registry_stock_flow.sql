-- Balance (stock and flows): for every district and every month whose previous month is loaded,
--   registered(t) = registered(t−1) − (to employment + cancelled)(t) + new registrations(t).
-- Returns each month × district where the register does not roll forward, with both sides.
with r as (
    select month_start, district_code, registered, registrations_ended, new_registrations
    from {{ ref('rpt_unemployed_registry_overview') }}
)
select cur.month_start, cur.district_code,
       prev.registered as registered_previous, cur.registrations_ended, cur.new_registrations,
       cur.registered,
       prev.registered - cur.registrations_ended + cur.new_registrations as registered_expected,
       cur.registered - (prev.registered - cur.registrations_ended + cur.new_registrations) as difference
from r cur
join r prev on prev.district_code = cur.district_code
           and prev.month_start = (cur.month_start - interval '1 month')::date
where cur.registered <> prev.registered - cur.registrations_ended + cur.new_registrations
