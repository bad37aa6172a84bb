-- 失业保险基金预算执行进度(月 × 预算项目): monthly budget, year-to-date budget and its share of the annual budget.
select
    b.month_start,
    m.month_key,
    m.month_label,
    b.budget_item_code,
    i.name                                                                        as budget_item_name,
    i.direction,
    b.budget_amount,
    sum(b.budget_amount) over (partition by b.budget_item_code, m.year order by b.month_start) as budget_ytd,
    b.annual_budget,
    round(sum(b.budget_amount) over (partition by b.budget_item_code, m.year order by b.month_start)
          / nullif(b.annual_budget, 0), 4)                                        as ytd_share_of_annual
from {{ ref('stg_manual__unemployment_fund_budgets') }} b
join {{ ref('dim_month') }} m on m.month_start = b.month_start
left join {{ ref('code_unemp_budget_item') }} i on i.code = b.budget_item_code
