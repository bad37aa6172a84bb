-- 工伤保险统计概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
with insured as (
    select month_start, district_code, sum(is_insured) as insured
    from {{ ref('fct_injury_person_month') }} group by 1, 2
),
contributions as (
    select month_start, district_code, count(*) as contributing_units, sum(contributors) as contributors,
           sum(payroll_base) as payroll_base, sum(contribution_income) as contribution_income
    from {{ ref('fct_injury_unit_contribution_month') }} group by 1, 2
),
determinations as (
    select month_start, district_code, count(*) as determinations, sum(is_recognised) as recognised,
           sum(is_fatal) filter (where is_recognised = 1) as fatal_recognised
    from {{ ref('fct_injury_determination') }} group by 1, 2
),
appraisals as (
    select month_start, district_code, count(*) as appraisals, sum(is_disabled) as disabled
    from {{ ref('fct_injury_appraisal') }} group by 1, 2
),
settlements as (
    select month_start, district_code, count(distinct case_id) as settlement_cases,
           sum(claimed_amount) as settlement_claimed, sum(approved_amount) as settlement_paid
    from {{ ref('fct_injury_settlement') }} group by 1, 2
),
grid_districts as (
    select
        m.month_start, m.month_key, m.month_label,
        d.district_code, d.district_name, d.district_sort,
        coalesce(i.insured, 0)::bigint                    as insured,
        coalesce(c.contributing_units, 0)::bigint         as contributing_units,
        coalesce(c.contributors, 0)::bigint               as contributors,
        coalesce(c.payroll_base, 0)::numeric(18,2)        as payroll_base,
        coalesce(c.contribution_income, 0)::numeric(18,2) as contribution_income,
        coalesce(t.determinations, 0)::bigint             as determinations,
        coalesce(t.recognised, 0)::bigint                 as recognised,
        coalesce(t.fatal_recognised, 0)::bigint           as fatal_recognised,
        coalesce(a.appraisals, 0)::bigint                 as appraisals,
        coalesce(a.disabled, 0)::bigint                   as disabled,
        coalesce(s.settlement_cases, 0)::bigint           as settlement_cases,
        coalesce(s.settlement_claimed, 0)::numeric(18,2)  as settlement_claimed,
        coalesce(s.settlement_paid, 0)::numeric(18,2)     as settlement_paid
    from {{ ref('dim_month') }} m
    cross join {{ ref('dim_district') }} d
    left join insured i        on i.month_start = m.month_start and i.district_code = d.district_code
    left join contributions c  on c.month_start = m.month_start and c.district_code = d.district_code
    left join determinations t on t.month_start = m.month_start and t.district_code = d.district_code
    left join appraisals a     on a.month_start = m.month_start and a.district_code = d.district_code
    left join settlements s    on s.month_start = m.month_start and s.district_code = d.district_code
    where d.district_code <> '999999' or i.district_code is not null or c.district_code is not null
       or t.district_code is not null or a.district_code is not null or s.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['insured:bigint', 'contributing_units:bigint', 'contributors:bigint', 'payroll_base:numeric(18,2)', 'contribution_income:numeric(18,2)', 'determinations:bigint', 'recognised:bigint', 'fatal_recognised:bigint', 'appraisals:bigint', 'disabled:bigint', 'settlement_cases:bigint', 'settlement_claimed:numeric(18,2)', 'settlement_paid:numeric(18,2)']) }}
)
select
    g.*,
    round(g.contribution_income / nullif(g.payroll_base, 0), 6)::numeric(12,6)       as avg_contribution_rate,
    round(g.contribution_income / nullif(g.contributors, 0), 2)::numeric(14,2)       as contribution_per_contributor,
    round(g.recognised::numeric / nullif(g.determinations, 0), 4)::numeric(12,4)     as recognition_rate,
    round(g.disabled::numeric / nullif(g.appraisals, 0), 4)::numeric(12,4)           as disability_rate,
    round(g.settlement_paid / nullif(g.settlement_cases, 0), 2)::numeric(14,2)       as paid_per_case,
    round(g.recognised::numeric * 10000 / nullif(g.insured, 0), 4)::numeric(12,4)    as recognised_per_10k_insured,
    round((g.insured - pm.insured)::numeric / nullif(pm.insured, 0), 4)::numeric(12,4) as insured_mom_growth,
    round((g.insured - py.insured)::numeric / nullif(py.insured, 0), 4)::numeric(12,4) as insured_yoy_growth,
    round((g.contribution_income - pm.contribution_income) / nullif(pm.contribution_income, 0), 4)::numeric(12,4) as contribution_income_mom_growth,
    round((g.contribution_income - py.contribution_income) / nullif(py.contribution_income, 0), 4)::numeric(12,4) as contribution_income_yoy_growth,
    round((g.settlement_paid - pm.settlement_paid) / nullif(pm.settlement_paid, 0), 4)::numeric(12,4) as settlement_paid_mom_growth,
    round((g.settlement_paid - py.settlement_paid) / nullif(py.settlement_paid, 0), 4)::numeric(12,4) as settlement_paid_yoy_growth
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '12 months')::date
