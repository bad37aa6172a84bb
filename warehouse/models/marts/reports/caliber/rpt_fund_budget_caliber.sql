-- 基金收支预算执行(口径预算, 月 × 险种, 全市): the annual fund budgets of the caliber seed against the year-to-date
-- income and spending the warehouse holds — the DMP fund ledger for the pension funds (110, 120, 170), the unemployment
-- statistics (征缴收入; 失业保险金 + 农民工一次性生活补助) for 210 and the work-injury statistics (征缴收入; 核定待遇支出) for
-- 410. The budget is joined at report time: a corrected or new budget restates every month on the next build.
-- The seed holds Beijing's budgets (scale 1); they are taken at the month's data scale (dim_month.data_scale: 1 for
-- real deliveries, a synthetic drop's scale from its manifest), so execution rates read as Beijing's at any scale.
with ledger as (
    select month_start, insurance_type_code, sum(income_amount) as income, sum(expenditure_amount) as expense
    from {{ ref('fct_dmp_fund_ledger_month') }}
    where insurance_type_code in ('110', '120', '170')
    group by 1, 2
),
actual as (
    select month_start, insurance_type_code, income, expense from ledger
    union all
    select month_start, '210', sum(contribution_income), sum(benefit_paid + allowance_paid)
    from {{ ref('rpt_unemployment_overview') }} where district_code = {{ beijing_code() }} group by 1
    union all
    select month_start, '410', sum(contribution_income), sum(settlement_paid)
    from {{ ref('rpt_injury_overview') }} where district_code = {{ beijing_code() }} group by 1
),
grid as (
    select m.month_start, m.month_key, m.month_label, m.year, m.month, m.data_scale, t.insurance_type_code,
           coalesce(a.income, 0)::numeric(18,2)  as income_month,
           coalesce(a.expense, 0)::numeric(18,2) as expense_month
    from {{ ref('dim_month') }} m
    cross join (select distinct insurance_type_code::text as insurance_type_code
                from {{ ref('caliber_fund_budget') }}) t
    left join actual a on a.month_start = m.month_start and a.insurance_type_code = t.insurance_type_code
),
ytd as (
    select g.*,
           -- year to date over the months the warehouse holds (a year whose first months are missing starts later)
           sum(income_month) over (partition by insurance_type_code, year order by month_start)::numeric(18,2) as income_ytd,
           sum(expense_month) over (partition by insurance_type_code, year order by month_start)::numeric(18,2) as expense_ytd,
           min(month_start) over (partition by insurance_type_code, year) as first_month_held
    from grid g
)
select
    y.month_start, y.month_key, y.month_label, y.year,
    y.insurance_type_code,
    coalesce(it.name, '未知')                                               as insurance_type_name,
    (b.income_budget * y.data_scale)::numeric(18,2)                         as income_budget,
    (b.expense_budget * y.data_scale)::numeric(18,2)                        as expense_budget,
    y.data_scale,
    y.income_month, y.expense_month, y.income_ytd, y.expense_ytd,
    round(y.income_ytd / nullif(b.income_budget * y.data_scale, 0), 6)                     as income_execution_rate,
    round(y.expense_ytd / nullif(b.expense_budget * y.data_scale, 0), 6)                   as expense_execution_rate,
    round(y.month / 12.0, 4)                                                as time_progress,
    (extract(month from y.first_month_held) = 1)                            as is_year_complete_to_date,
    (b.year is not null)                                                    as has_budget
from ytd y
left join {{ ref('caliber_fund_budget') }} b
  on b.year = y.year and b.insurance_type_code::text = y.insurance_type_code
left join {{ ref('code_insurance_type') }} it on it.code = y.insurance_type_code
