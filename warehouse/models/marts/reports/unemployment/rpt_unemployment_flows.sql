-- 失业保险人员流动(数据挖掘): month × district, every district every month. Flows compare with the previous
-- month and are null when that month is not loaded (never 0). Joiners / new claimants are counted in this
-- month's district, leavers / exits in last month's district.
with months as (
    select m.month_start, m.month_key, m.month_label,
           exists (select 1 from {{ ref('dim_month') }} p
                   where p.month_start = (m.month_start - interval '1 month')::date) as has_previous
    from {{ ref('dim_month') }} m
),
ins as (
    select month_start, person_id, district_code
    from {{ ref('fct_unemployment_person_month') }} where is_insured = 1
),
rec as (
    select month_start, person_id, district_code, is_new_claimant
    from {{ ref('fct_unemployment_benefit_month') }} where benefit_type = 'unemployment_benefit'
),
joiners as (
    select c.month_start, c.district_code, count(*) as n
    from ins c
    where not exists (select 1 from ins p where p.person_id = c.person_id
                      and p.month_start = (c.month_start - interval '1 month')::date)
    group by 1, 2
),
leavers as (
    select (p.month_start + interval '1 month')::date as month_start, p.district_code, count(*) as n
    from ins p
    where not exists (select 1 from ins c where c.person_id = p.person_id
                      and c.month_start = (p.month_start + interval '1 month')::date)
    group by 1, 2
),
rec_now as (
    select month_start, district_code, count(*) as recipients, sum(is_new_claimant) as new_claimants
    from rec group by 1, 2
),
rec_prev as (
    select (month_start + interval '1 month')::date as month_start, district_code, count(*) as n
    from rec group by 1, 2
),
exits as (
    select (p.month_start + interval '1 month')::date as month_start, p.district_code, count(*) as n
    from rec p
    where not exists (select 1 from rec c where c.person_id = p.person_id
                      and c.month_start = (p.month_start + interval '1 month')::date)
    group by 1, 2
),
ins_now as (select month_start, district_code, count(*) as n from ins group by 1, 2)
select
    m.month_start, m.month_key, m.month_label,
    d.district_code, d.district_name, d.district_sort,
    coalesce(i.n, 0)::bigint                                                  as insured,
    case when m.has_previous then coalesce(j.n, 0) end::bigint                as insured_joiners,
    case when m.has_previous then coalesce(l.n, 0) end::bigint                as insured_leavers,
    case when m.has_previous then coalesce(j.n, 0) - coalesce(l.n, 0) end::bigint as insured_net_change,
    case when m.has_previous then coalesce(rp.n, 0) end::bigint               as recipients_previous,
    coalesce(r.new_claimants, 0)::bigint                                      as new_claimants,
    case when m.has_previous then coalesce(e.n, 0) end::bigint                as claimant_exits,
    coalesce(r.recipients, 0)::bigint                                         as benefit_recipients
from months m
cross join {{ ref('dim_district') }} d
left join ins_now i  on i.month_start = m.month_start and i.district_code = d.district_code
left join joiners j  on j.month_start = m.month_start and j.district_code = d.district_code
left join leavers l  on l.month_start = m.month_start and l.district_code = d.district_code
left join rec_now r  on r.month_start = m.month_start and r.district_code = d.district_code
left join rec_prev rp on rp.month_start = m.month_start and rp.district_code = d.district_code
left join exits e    on e.month_start = m.month_start and e.district_code = d.district_code
where d.district_code <> '999999'
   or coalesce(i.n, 0) + coalesce(j.n, 0) + coalesce(l.n, 0) + coalesce(r.recipients, 0)
      + coalesce(rp.n, 0) + coalesce(e.n, 0) > 0
