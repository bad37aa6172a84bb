select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    case_id,
    person_id,
    district_code,
    settlement_item     as settlement_item_code,
    claimed_amount,
    approved_amount,
    settle_date,
    _batch_id           as batch_id
from {{ source('raw_injury', 'injury_settlement') }}
