-- 机关事业单位养老保险概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
with agg as (
    select
        month_start,
        district_code,
        count(*) filter (where person_type = 'active')   as insured_active,
        count(*) filter (where person_type = 'retired')  as insured_retired,
        sum(is_contributor)                              as contributors,
        sum(contribution_base)                           as contribution_base,
        sum(contribution_income)                         as contribution_income,
        sum(annuity_income)                              as annuity_income,
        sum(pension_paid)                                as pension_paid,
        sum(basic_pension_paid)                          as basic_pension_paid
    from {{ ref('fct_public_pension_person_month') }}
    group by month_start, district_code
),
units as (
    select month_start, district_code, count(*) filter (where is_active) as units
    from {{ ref('int_public_pension__unit_month') }}
    group by month_start, district_code
),
grid_districts as (
    select
        m.month_start, m.month_key, m.month_label, m.district_code, m.district_name, m.district_sort,
        coalesce(un.units, 0)::bigint                                  as units,
        coalesce(a.insured_active, 0)::bigint                          as insured_active,
        coalesce(a.insured_retired, 0)::bigint                         as insured_retired,
        coalesce(a.contributors, 0)::bigint                            as contributors,
        coalesce(a.contribution_base, 0)::numeric(18,2)                as contribution_base,
        coalesce(a.contribution_income, 0)::numeric(18,2)              as contribution_income,
        coalesce(a.annuity_income, 0)::numeric(18,2)                   as annuity_income,
        coalesce(a.pension_paid, 0)::numeric(18,2)                     as pension_paid,
        coalesce(a.basic_pension_paid, 0)::numeric(18,2)               as basic_pension_paid
    from {{ ref('dim_month_district') }} m
    left join agg a on a.month_start = m.month_start and a.district_code = m.district_code
    left join units un on un.month_start = m.month_start and un.district_code = m.district_code
    -- the unknown district appears only in months where some rows fall into it
    where not m.is_unknown_district or a.district_code is not null or un.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['units:bigint', 'insured_active:bigint', 'insured_retired:bigint', 'contributors:bigint', 'contribution_base:numeric(18,2)', 'contribution_income:numeric(18,2)', 'annuity_income:numeric(18,2)', 'pension_paid:numeric(18,2)', 'basic_pension_paid:numeric(18,2)']) }}
)
select
    g.month_start, g.month_key, g.month_label, g.district_code, g.district_name, g.district_sort,
    g.units, g.insured_active, g.insured_retired,
    (g.insured_active + g.insured_retired)::bigint                                    as insured_total,
    g.contributors, g.contribution_base, g.contribution_income, g.annuity_income,
    g.pension_paid, g.basic_pension_paid,
    round(g.contribution_base / nullif(g.contributors, 0), 2)::numeric(14,2)          as avg_contribution_base,
    round(g.basic_pension_paid / nullif(g.insured_retired, 0), 2)::numeric(14,2)      as avg_basic_pension,
    round(g.insured_active::numeric / nullif(g.insured_retired, 0), 4)::numeric(10,4) as dependency_ratio,
    -- growth: null when the comparison month is not in the warehouse (or its value is 0)
    round(((g.insured_active + g.insured_retired) - (pm.insured_active + pm.insured_retired))::numeric
          / nullif(pm.insured_active + pm.insured_retired, 0), 4)::numeric(10,4)      as insured_total_mom,
    round(((g.insured_active + g.insured_retired) - (py.insured_active + py.insured_retired))::numeric
          / nullif(py.insured_active + py.insured_retired, 0), 4)::numeric(10,4)      as insured_total_yoy,
    round((g.contribution_income - pm.contribution_income) / nullif(pm.contribution_income, 0), 4)::numeric(10,4)
                                                                                      as contribution_income_mom,
    round((g.contribution_income - py.contribution_income) / nullif(py.contribution_income, 0), 4)::numeric(10,4)
                                                                                      as contribution_income_yoy,
    round((g.pension_paid - pm.pension_paid) / nullif(pm.pension_paid, 0), 4)::numeric(10,4) as pension_paid_mom,
    round((g.pension_paid - py.pension_paid) / nullif(py.pension_paid, 0), 4)::numeric(10,4) as pension_paid_yoy
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '1 year')::date
