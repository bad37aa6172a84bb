-- 企业经营异常名录: typed, renamed view of raw.market_abnormal_operation with the daily state raw.market_abnormal_operation_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    unit_code,
    unit_name,
    list_date,
    list_reason as list_reason_code,
    authority,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_market_supervision', 'market_abnormal_operation'), source('raw_market_supervision', 'market_abnormal_operation_daily'), ['unit_code'], 'snapshot') }}
