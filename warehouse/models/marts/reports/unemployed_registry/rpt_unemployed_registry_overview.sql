-- 登记失业概览: one row per loaded month × district (every district every month, zeros included).
-- 城镇登记失业率 = registered ÷ (urban employed + registered); the urban employed are taken as the enterprise
-- pension active insured of the same month and district (rpt_pension_overview.insured_active).
with months as (
    select distinct month_start from {{ ref('fct_unemployed_registry_month') }}
),
agg as (
    select
        month_start, district_code,
        sum(is_registered)        as registered,
        sum(is_new_registration)  as new_registrations,
        sum(is_to_employment)     as to_employment,
        sum(is_cancelled)         as cancelled,
        sum(is_benefit_receiver)  as benefit_receivers,
        sum(is_hard_to_employ)    as hard_to_employ
    from {{ ref('fct_unemployed_registry_month') }}
    group by 1, 2
),
employed as (
    select month_start, district_code, sum(insured_active) as urban_employed
    from {{ ref('rpt_pension_overview') }}
    group by 1, 2
),
base_districts as (
    select
        m.month_start,
        d.district_code, d.district_name, d.district_sort,
        coalesce(a.registered, 0)::bigint          as registered,
        coalesce(a.new_registrations, 0)::bigint   as new_registrations,
        coalesce(a.to_employment, 0)::bigint       as to_employment,
        coalesce(a.cancelled, 0)::bigint           as cancelled,
        (coalesce(a.to_employment, 0) + coalesce(a.cancelled, 0))::bigint as registrations_ended,
        coalesce(a.benefit_receivers, 0)::bigint   as benefit_receivers,
        coalesce(a.hard_to_employ, 0)::bigint      as hard_to_employ,
        e.urban_employed::bigint                   as urban_employed
    from months m
    cross join {{ ref('dim_district') }} d
    left join agg a on a.month_start = m.month_start and a.district_code = d.district_code
    left join employed e on e.month_start = m.month_start and e.district_code = d.district_code
    where d.district_code <> '999999' or a.district_code is not null
),
base as (
    select * from base_districts
    union all
    {{ beijing_total('base_districts', ['month_start'],
                     ['registered:bigint', 'new_registrations:bigint', 'to_employment:bigint', 'cancelled:bigint', 'registrations_ended:bigint', 'benefit_receivers:bigint', 'hard_to_employ:bigint', 'urban_employed:bigint']) }}
)
select
    b.month_start,
    (extract(year from b.month_start) * 100 + extract(month from b.month_start))::int as month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                                          as month_label,
    b.district_code, b.district_name, b.district_sort,
    b.registered, b.new_registrations, b.to_employment, b.cancelled, b.registrations_ended,
    b.benefit_receivers, b.hard_to_employ, b.urban_employed,
    round(b.registered::numeric / nullif(b.urban_employed + b.registered, 0), 6)::numeric(10,6) as registered_unemployment_rate,
    round((b.registered - pm.registered)::numeric / nullif(pm.registered, 0), 4)::numeric(12,4) as registered_mom_growth,
    round((b.registered - py.registered)::numeric / nullif(py.registered, 0), 4)::numeric(12,4) as registered_yoy_growth,
    round((b.new_registrations - pm.new_registrations)::numeric / nullif(pm.new_registrations, 0), 4)::numeric(12,4) as new_registrations_mom_growth,
    round((b.new_registrations - py.new_registrations)::numeric / nullif(py.new_registrations, 0), 4)::numeric(12,4) as new_registrations_yoy_growth
from base b
left join base pm on pm.district_code = b.district_code and pm.month_start = (b.month_start - interval '1 month')::date
left join base py on py.district_code = b.district_code and py.month_start = (b.month_start - interval '1 year')::date
