-- Budget execution: the execution rate recomputed as year-to-date execution ÷ plan × 100 equals the
-- rate the provider reports (to the cent of a percent). Returns each differing month, type and item.
select month_start, insurance_type_code, budget_item_code, planned_amount, executed_ytd_amount,
       execution_rate_pct, provider_execution_rate_pct,
       execution_rate_pct - provider_execution_rate_pct as difference
from {{ ref('fct_dmp_budget_execution') }}
where abs(execution_rate_pct - provider_execution_rate_pct) > 0.01
