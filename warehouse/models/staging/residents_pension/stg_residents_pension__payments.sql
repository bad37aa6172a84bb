select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    district_code,
    basic_amount,
    account_amount,
    coalesce(refund_amount, 0) as refund_amount,
    total_amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_residents_pension', 'residents_pension_payment') }}
