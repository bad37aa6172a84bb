-- 生育保险统计概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
with insured as (
    select month_start, district_code, sum(is_insured) as insured,
           count(*) filter (where is_insured = 1 and gender_code = '2') as insured_female
    from {{ ref('fct_maternity_person_month') }} group by 1, 2
),
contributions as (
    select month_start, district_code, count(*) as contributing_units, sum(contributors) as contributors,
           sum(payroll_base) as payroll_base, sum(contribution_income) as contribution_income
    from {{ ref('fct_maternity_unit_contribution_month') }} group by 1, 2
),
benefits as (
    select month_start, district_code,
           count(*) filter (where is_allowance = 1)                          as allowance_recipients,
           coalesce(sum(allowance_days) filter (where is_allowance = 1), 0)  as allowance_days,
           coalesce(sum(amount_paid) filter (where is_allowance = 1), 0)     as allowance_paid,
           coalesce(sum(amount_paid) filter (where is_allowance = 0), 0)     as medical_paid,
           count(*) filter (where benefit_item_code = '04')                  as family_planning_operations,
           sum(amount_paid)                                                  as benefit_paid
    from {{ ref('fct_maternity_benefit') }} group by 1, 2
),
grid_districts as (
    select
        m.month_start, m.month_key, m.month_label,
        d.district_code, d.district_name, d.district_sort,
        coalesce(i.insured, 0)::bigint                      as insured,
        coalesce(i.insured_female, 0)::bigint               as insured_female,
        coalesce(c.contributing_units, 0)::bigint           as contributing_units,
        coalesce(c.contributors, 0)::bigint                 as contributors,
        coalesce(c.payroll_base, 0)::numeric(18,2)          as payroll_base,
        coalesce(c.contribution_income, 0)::numeric(18,2)   as contribution_income,
        coalesce(b.allowance_recipients, 0)::bigint         as allowance_recipients,
        coalesce(b.allowance_days, 0)::bigint               as allowance_days,
        coalesce(b.allowance_paid, 0)::numeric(18,2)        as allowance_paid,
        coalesce(b.medical_paid, 0)::numeric(18,2)          as medical_paid,
        coalesce(b.family_planning_operations, 0)::bigint   as family_planning_operations,
        coalesce(b.benefit_paid, 0)::numeric(18,2)          as benefit_paid
    from {{ ref('dim_month') }} m
    cross join {{ ref('dim_district') }} d
    left join insured i       on i.month_start = m.month_start and i.district_code = d.district_code
    left join contributions c on c.month_start = m.month_start and c.district_code = d.district_code
    left join benefits b      on b.month_start = m.month_start and b.district_code = d.district_code
    where d.district_code <> '999999' or i.district_code is not null or c.district_code is not null
       or b.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['insured:bigint', 'insured_female:bigint', 'contributing_units:bigint', 'contributors:bigint', 'payroll_base:numeric(18,2)', 'contribution_income:numeric(18,2)', 'allowance_recipients:bigint', 'allowance_days:bigint', 'allowance_paid:numeric(18,2)', 'medical_paid:numeric(18,2)', 'family_planning_operations:bigint', 'benefit_paid:numeric(18,2)']) }}
)
select
    g.*,
    round(g.contribution_income / nullif(g.contributors, 0), 2)::numeric(14,2)        as contribution_per_contributor,
    round(g.allowance_paid / nullif(g.allowance_recipients, 0), 2)::numeric(14,2)     as avg_allowance,
    round(g.allowance_paid / nullif(g.allowance_days, 0), 2)::numeric(14,2)           as avg_daily_allowance,
    round(g.benefit_paid / nullif(g.contribution_income, 0), 4)::numeric(12,4)        as payout_ratio,
    round((g.insured - pm.insured)::numeric / nullif(pm.insured, 0), 4)::numeric(12,4) as insured_mom_growth,
    round((g.insured - py.insured)::numeric / nullif(py.insured, 0), 4)::numeric(12,4) as insured_yoy_growth,
    round((g.contribution_income - pm.contribution_income) / nullif(pm.contribution_income, 0), 4)::numeric(12,4) as contribution_income_mom_growth,
    round((g.contribution_income - py.contribution_income) / nullif(py.contribution_income, 0), 4)::numeric(12,4) as contribution_income_yoy_growth,
    round((g.benefit_paid - pm.benefit_paid) / nullif(pm.benefit_paid, 0), 4)::numeric(12,4) as benefit_paid_mom_growth,
    round((g.benefit_paid - py.benefit_paid) / nullif(py.benefit_paid, 0), 4)::numeric(12,4) as benefit_paid_yoy_growth
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '12 months')::date
