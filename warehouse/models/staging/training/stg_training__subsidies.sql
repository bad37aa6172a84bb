select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    payment_id,
    course_id,
    person_id,
    subsidy_item                    as subsidy_item_code,
    nullif(payee_credit_code, '')   as payee_credit_code,
    amount,
    paid_date,
    _batch_id                       as batch_id
from {{ source('raw_training', 'training_subsidy') }}
