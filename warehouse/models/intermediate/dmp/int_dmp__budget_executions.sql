-- Budget execution per insurance type and budget item, with the execution rate recomputed.
select
    b.month_start,
    b.budget_year,
    {{ known_code('b.insurance_type_code', 'code_insurance_type', '999') }} as insurance_type_code,
    {{ known_code('b.budget_item_code', 'code_budget_item', 'B999') }}     as budget_item_code,
    coalesce(bi.direction, '9')                                          as direction_code,
    b.planned_amount,
    b.executed_month_amount,
    b.executed_ytd_amount,
    b.execution_rate_pct                                                 as provider_execution_rate_pct,
    coalesce(round(b.executed_ytd_amount / nullif(b.planned_amount, 0) * 100, 2), 0) as execution_rate_pct
from {{ ref('stg_dmp__budget_executions') }} b
left join {{ ref('code_budget_item') }} bi on bi.code = b.budget_item_code
