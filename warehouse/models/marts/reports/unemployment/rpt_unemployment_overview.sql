-- 失业保险统计概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
with insured as (
    select month_start, district_code,
           sum(is_insured)                                          as insured,
           count(*) filter (where is_insured = 1 and insured_status_code = '2') as insured_suspended,
           sum(is_contributor)                                      as contributors,
           sum(contribution_base)                                   as contribution_base,
           sum(contribution_income)                                 as contribution_income,
           sum(arrears_income)                                      as arrears_income
    from {{ ref('fct_unemployment_person_month') }}
    group by month_start, district_code
),
benefits as (
    select month_start, district_code,
           count(*) filter (where benefit_type = 'unemployment_benefit')                          as benefit_recipients,
           coalesce(sum(is_new_claimant) filter (where benefit_type = 'unemployment_benefit'), 0) as new_claimants,
           coalesce(sum(amount_paid) filter (where benefit_type = 'unemployment_benefit'), 0)     as benefit_paid,
           count(*) filter (where benefit_type = 'migrant_allowance')                             as allowance_recipients,
           coalesce(sum(amount_paid) filter (where benefit_type = 'migrant_allowance'), 0)        as allowance_paid
    from {{ ref('fct_unemployment_benefit_month') }}
    group by month_start, district_code
),
grid_districts as (
    select
        m.month_start, m.month_key, m.month_label,
        m.district_code, m.district_name, m.district_sort,
        coalesce(i.insured, 0)::bigint                  as insured,
        coalesce(i.insured_suspended, 0)::bigint        as insured_suspended,
        coalesce(i.contributors, 0)::bigint             as contributors,
        coalesce(i.contribution_base, 0)::numeric(18,2) as contribution_base,
        coalesce(i.contribution_income, 0)::numeric(18,2) as contribution_income,
        coalesce(i.arrears_income, 0)::numeric(18,2)    as arrears_income,
        coalesce(b.benefit_recipients, 0)::bigint       as benefit_recipients,
        coalesce(b.new_claimants, 0)::bigint            as new_claimants,
        coalesce(b.benefit_paid, 0)::numeric(18,2)      as benefit_paid,
        coalesce(b.allowance_recipients, 0)::bigint     as allowance_recipients,
        coalesce(b.allowance_paid, 0)::numeric(18,2)    as allowance_paid
    from {{ ref('dim_month_district') }} m
    left join insured i on i.month_start = m.month_start and i.district_code = m.district_code
    left join benefits b on b.month_start = m.month_start and b.district_code = m.district_code
    -- the unknown district appears only in months where some rows fall into it
    where not m.is_unknown_district or i.district_code is not null or b.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['insured:bigint', 'insured_suspended:bigint', 'contributors:bigint', 'contribution_base:numeric(18,2)', 'contribution_income:numeric(18,2)', 'arrears_income:numeric(18,2)', 'benefit_recipients:bigint', 'new_claimants:bigint', 'benefit_paid:numeric(18,2)', 'allowance_recipients:bigint', 'allowance_paid:numeric(18,2)']) }}
)
select
    g.*,
    round(g.contribution_base / nullif(g.contributors, 0), 2)::numeric(14,2)          as avg_contribution_base,
    round(g.benefit_paid / nullif(g.benefit_recipients, 0), 2)::numeric(14,2)         as avg_benefit,
    round(g.allowance_paid / nullif(g.allowance_recipients, 0), 2)::numeric(14,2)     as avg_allowance,
    round(g.benefit_recipients::numeric / nullif(g.insured, 0), 6)::numeric(12,6)     as recipient_ratio,
    round((g.insured - pm.insured)::numeric / nullif(pm.insured, 0), 4)::numeric(12,4) as insured_mom_growth,
    round((g.insured - py.insured)::numeric / nullif(py.insured, 0), 4)::numeric(12,4) as insured_yoy_growth,
    round((g.contribution_income - pm.contribution_income) / nullif(pm.contribution_income, 0), 4)::numeric(12,4) as contribution_income_mom_growth,
    round((g.contribution_income - py.contribution_income) / nullif(py.contribution_income, 0), 4)::numeric(12,4) as contribution_income_yoy_growth,
    round((g.benefit_recipients - pm.benefit_recipients)::numeric / nullif(pm.benefit_recipients, 0), 4)::numeric(12,4) as benefit_recipients_mom_growth,
    round((g.benefit_recipients - py.benefit_recipients)::numeric / nullif(py.benefit_recipients, 0), 4)::numeric(12,4) as benefit_recipients_yoy_growth,
    round((g.benefit_paid - pm.benefit_paid) / nullif(pm.benefit_paid, 0), 4)::numeric(12,4) as benefit_paid_mom_growth,
    round((g.benefit_paid - py.benefit_paid) / nullif(py.benefit_paid, 0), 4)::numeric(12,4) as benefit_paid_yoy_growth
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '12 months')::date
