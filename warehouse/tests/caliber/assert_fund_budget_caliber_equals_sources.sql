-- The caliber budget report against its sources, recomputed here: each month's income and spending per insurance
-- type equal the source's Beijing total, and the year to date grows by exactly the month. Returns each month,
-- insurance type and measure that differ.
with sources as (
    select month_start, insurance_type_code, 'income_month' as measure, sum(income_amount) as expected
    from {{ ref('fct_dmp_fund_ledger_month') }} where insurance_type_code in ('110', '120', '170') group by 1, 2
    union all
    select month_start, insurance_type_code, 'expense_month', sum(expenditure_amount)
    from {{ ref('fct_dmp_fund_ledger_month') }} where insurance_type_code in ('110', '120', '170') group by 1, 2
    union all
    select month_start, '210', 'income_month', sum(contribution_income) from {{ ref('fct_unemployment_person_month') }} group by 1
    union all
    select month_start, '210', 'expense_month', sum(amount_paid) from {{ ref('fct_unemployment_benefit_month') }} group by 1
    union all
    select month_start, '410', 'income_month', sum(contribution_income) from {{ ref('rpt_injury_overview') }} where district_code <> {{ beijing_code() }} group by 1
    union all
    select month_start, '410', 'expense_month', sum(settlement_paid) from {{ ref('rpt_injury_overview') }} where district_code <> {{ beijing_code() }} group by 1
),
report as (
    select month_start, insurance_type_code, 'income_month' as measure, income_month as actual
    from {{ ref('rpt_fund_budget_caliber') }}
    union all
    select month_start, insurance_type_code, 'expense_month', expense_month from {{ ref('rpt_fund_budget_caliber') }}
),
flows as (
    select coalesce(r.month_start, s.month_start) as month_start,
           coalesce(r.insurance_type_code, s.insurance_type_code) as insurance_type_code,
           coalesce(r.measure, s.measure) as measure, r.actual, s.expected
    from report r
    full join sources s using (month_start, insurance_type_code, measure)
    where coalesce(r.insurance_type_code, s.insurance_type_code) in ('110', '120', '170', '210', '410')
      and coalesce(r.actual, 0) <> coalesce(s.expected, 0)
),
ytd as (
    select cur.month_start, cur.insurance_type_code, m.measure,
           case m.measure when 'income_ytd' then cur.income_ytd else cur.expense_ytd end as actual,
           case m.measure when 'income_ytd' then coalesce(prev.income_ytd, 0) + cur.income_month
                          else coalesce(prev.expense_ytd, 0) + cur.expense_month end as expected
    from {{ ref('rpt_fund_budget_caliber') }} cur
    left join {{ ref('rpt_fund_budget_caliber') }} prev
      on prev.insurance_type_code = cur.insurance_type_code and prev.year = cur.year
     and prev.month_start = (cur.month_start - interval '1 month')::date
    cross join (values ('income_ytd'), ('expense_ytd')) m(measure)
)
select month_start, insurance_type_code, measure, actual, expected, coalesce(actual, 0) - coalesce(expected, 0) as difference
from flows
union all
select month_start, insurance_type_code, measure, actual, expected, actual - expected
from ytd where actual <> expected
