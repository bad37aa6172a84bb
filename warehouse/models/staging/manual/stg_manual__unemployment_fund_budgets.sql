select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    budget_item                   as budget_item_code,
    budget_amount,
    annual_budget,
    _batch_id                     as batch_id
from {{ source('raw_manual', 'manual_unemployment_fund_budget') }}
