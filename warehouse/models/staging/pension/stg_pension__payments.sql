select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    payment_item        as payment_item_code,
    amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_pension', 'ent_pension_payment') }}
