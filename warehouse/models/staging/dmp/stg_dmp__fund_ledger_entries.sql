select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    insurance_type      as insurance_type_code,
    district_code,
    fund_item           as fund_item_code,
    direction           as direction_code,
    amount,
    record_count,
    account_date,
    _batch_id           as batch_id
from {{ source('raw_dmp', 'dmp_fund_ledger') }}
