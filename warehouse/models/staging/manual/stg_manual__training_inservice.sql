select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    district_code,
    enterprises,
    trainees,
    completed,
    certificates,
    subsidy_amount,
    _batch_id                     as batch_id
from {{ source('raw_manual', 'manual_training_inservice') }}
