-- 企业经营异常名录: typed, renamed view of raw.market_abnormal_operation (ID numbers normalised).
select
    {{ stg_month_columns() }},
    unit_code,
    unit_name,
    list_date,
    list_reason as list_reason_code,
    authority,
    _batch_id as batch_id
from {{ source('raw_market_supervision', 'market_abnormal_operation') }}
