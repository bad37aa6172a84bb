-- 机关事业单位养老保险 flows per month × district: joiners, leavers, new retirees, deaths.
-- Joiners / leavers compare with the previous month's fact; they are null in a month whose previous
-- month is not in the warehouse (never 0). Joiners and active-side counts use this month's district,
-- leavers last month's.
with f as (
    select month_start, person_id, district_code, person_type, is_new_retiree, is_deceased
    from {{ ref('fct_public_pension_person_month') }}
    where person_type in ('active', 'retired')
),
loaded as (select distinct month_start from f),
joiners as (
    select cur.month_start, cur.district_code, count(*) as joiners
    from f cur
    left join f prev on prev.person_id = cur.person_id and prev.month_start = (cur.month_start - interval '1 month')::date
    where cur.person_type = 'active' and prev.person_id is null
    group by 1, 2
),
leavers as (
    select (prev.month_start + interval '1 month')::date as month_start, prev.district_code,
           count(*) filter (where prev.person_type = 'active')  as active_leavers,
           count(*) filter (where prev.person_type = 'retired') as retiree_exits
    from f prev
    left join f cur on cur.person_id = prev.person_id and cur.month_start = (prev.month_start + interval '1 month')::date
    where cur.person_id is null
    group by 1, 2
),
events as (
    select month_start, district_code, sum(is_new_retiree) as new_retirees, sum(is_deceased) as deaths
    from f group by 1, 2
)
select
    m.month_start,
    m.month_key,
    m.district_code,
    m.district_name,
    case when pm.month_start is not null then coalesce(j.joiners, 0) end::bigint          as joiners,
    case when pm.month_start is not null then coalesce(l.active_leavers, 0) end::bigint   as leavers,
    case when pm.month_start is not null then coalesce(l.retiree_exits, 0) end::bigint    as retiree_exits,
    coalesce(e.new_retirees, 0)::bigint                                                   as new_retirees,
    coalesce(e.deaths, 0)::bigint                                                         as deaths
from {{ ref('dim_month_district') }} m
left join loaded pm on pm.month_start = (m.month_start - interval '1 month')::date
left join joiners j on j.month_start = m.month_start and j.district_code = m.district_code
left join leavers l on l.month_start = m.month_start and l.district_code = m.district_code
left join events e on e.month_start = m.month_start and e.district_code = m.district_code
where not m.is_unknown_district or j.district_code is not null or l.district_code is not null
   or e.district_code is not null
