select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    budget_year,
    insurance_type      as insurance_type_code,
    budget_item         as budget_item_code,
    planned_amount,
    executed_month      as executed_month_amount,
    executed_ytd        as executed_ytd_amount,
    execution_rate      as execution_rate_pct,
    _batch_id           as batch_id
from {{ source('raw_dmp', 'dmp_budget_execution') }}
