-- Budget execution: within a budget year the year-to-date execution grows by exactly the month's
-- execution (executed_ytd(t) = executed_ytd(t−1) + executed_month(t)) whenever month t−1 is loaded.
-- Returns each month, type and item where it does not.
select cur.month_start, cur.insurance_type_code, cur.budget_item_code,
       prev.executed_ytd_amount as previous_ytd, cur.executed_month_amount, cur.executed_ytd_amount,
       cur.executed_ytd_amount - prev.executed_ytd_amount - cur.executed_month_amount as difference
from {{ ref('fct_dmp_budget_execution') }} cur
join {{ ref('fct_dmp_budget_execution') }} prev
  on prev.insurance_type_code = cur.insurance_type_code and prev.budget_item_code = cur.budget_item_code
 and prev.month_start = (cur.month_start - interval '1 month')::date
 and prev.budget_year = cur.budget_year
where cur.executed_ytd_amount <> prev.executed_ytd_amount + cur.executed_month_amount
