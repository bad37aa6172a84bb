-- 工伤保险缴费按行业风险类别与行业门类(数据挖掘): month × district × risk class × industry section.
select
    f.month_start, f.month_key, f.district_code, f.risk_class_code, f.industry_section_code,
    count(*)::bigint                              as contributing_units,
    sum(f.contributors)::bigint                   as contributors,
    sum(f.payroll_base)::numeric(18,2)            as payroll_base,
    sum(f.contribution_income)::numeric(18,2)     as contribution_income,
    round(sum(f.contribution_income) / nullif(sum(f.payroll_base), 0), 6)::numeric(12,6) as avg_contribution_rate
from {{ ref('fct_injury_unit_contribution_month') }} f
group by 1, 2, 3, 4, 5
