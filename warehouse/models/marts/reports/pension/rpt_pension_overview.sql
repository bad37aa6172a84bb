-- 企业职工养老保险概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
-- 口径 of every column: warehouse/seeds/indicators/indicator_definitions.csv.
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
),
grid_districts as (
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
        coalesce(a.contributors, 0)::bigint                                 as contributors,
        coalesce(a.contribution_income, 0)::numeric(18,2)                   as contribution_income,
        coalesce(a.pension_paid, 0)::numeric(18,2)                          as pension_paid,
        coalesce(a.basic_pension_paid, 0)::numeric(18,2)                    as basic_pension_paid
    from {{ ref('dim_month') }} m
    cross join {{ ref('dim_district') }} d
    left join agg a on a.month_start = m.month_start and a.district_code = d.district_code
    left join units un on un.month_start = m.month_start and un.district_code = d.district_code
    -- the unknown district appears only in months where some rows fall into it
    where d.district_code <> '999999' or a.district_code is not null or un.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['units:bigint', 'insured_active:bigint', 'insured_retired:bigint', 'contributors:bigint',
                      'contribution_income:numeric(18,2)', 'pension_paid:numeric(18,2)',
                      'basic_pension_paid:numeric(18,2)']) }}
)
select
    g.month_start,
    g.month_key,
    g.month_label,
    g.district_code,
    g.district_name,
    g.district_sort,
    g.units,
    g.insured_active,
    g.insured_retired,
    (g.insured_active + g.insured_retired)::bigint                                    as insured_total,
    g.contributors,
    g.contribution_income,
    g.pension_paid,
    g.basic_pension_paid,
    round(g.basic_pension_paid / nullif(g.insured_retired, 0), 2)::numeric(14,2)      as average_pension,
    round(g.insured_active::numeric / nullif(g.insured_retired, 0), 4)::numeric(10,4) as dependency_ratio
from grid g
