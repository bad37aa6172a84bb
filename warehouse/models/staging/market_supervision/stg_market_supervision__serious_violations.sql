-- 严重违法失信企业名单: typed, renamed view of raw.market_serious_violation with the daily state raw.market_serious_violation_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    unit_code,
    unit_name,
    list_date,
    list_reason as list_reason_code,
    authority,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_market_supervision', 'market_serious_violation'), source('raw_market_supervision', 'market_serious_violation_daily'), ['unit_code'], 'snapshot') }}
