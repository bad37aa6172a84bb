-- 企业职工养老保险概览: one row per month × district, every district every month (zeros included).
with agg as (
    select
        month_start,
        district_code,
        count(*) filter (where person_type = 'active')  as insured_active,
        count(*) filter (where person_type = 'retired') as insured_retired,
        sum(is_contributor)                             as contributors,
        sum(contribution_income)                        as contribution_income,
        sum(pension_paid)                               as pension_paid,
        sum(basic_pension_paid)                         as basic_pension_paid
    from {{ ref('fct_pension_person_month') }}
    group by month_start, district_code
),
units as (
    select month_start, district_code, count(*) filter (where is_active) as units
    from {{ ref('int_pension__unit_month') }}
    group by month_start, district_code
)
select
    m.month_start,
    m.month_key,
    m.month_label,
    d.district_code,
    d.district_name,
    d.district_sort,
    coalesce(un.units, 0)::bigint                                       as units,
    coalesce(a.insured_active, 0)::bigint                               as insured_active,
    coalesce(a.insured_retired, 0)::bigint                              as insured_retired,
    (coalesce(a.insured_active, 0) + coalesce(a.insured_retired, 0))::bigint as insured_total,
    coalesce(a.contributors, 0)::bigint                                 as contributors,
    coalesce(a.contribution_income, 0)::numeric(18,2)                   as contribution_income,
    coalesce(a.pension_paid, 0)::numeric(18,2)                          as pension_paid,
    coalesce(a.basic_pension_paid, 0)::numeric(18,2)                    as basic_pension_paid,
    round(a.basic_pension_paid / nullif(a.insured_retired, 0), 2)::numeric(14,2) as average_pension,
    round(a.insured_active::numeric / nullif(a.insured_retired, 0), 4)::numeric(10,4) as dependency_ratio
from {{ ref('dim_month') }} m
cross join {{ ref('dim_district') }} d
left join agg a on a.month_start = m.month_start and a.district_code = d.district_code
left join units un on un.month_start = m.month_start and un.district_code = d.district_code
-- the unknown district appears only in months where some rows fall into it
where d.district_code <> '999999' or a.district_code is not null or un.district_code is not null
