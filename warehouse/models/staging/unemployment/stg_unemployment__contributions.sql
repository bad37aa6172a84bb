select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    unit_id,
    to_date(fee_month, 'YYYYMM')  as fee_month_start,
    contribution_base,
    employer_amount,
    employee_amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_unemployment', 'unemp_contribution') }}
