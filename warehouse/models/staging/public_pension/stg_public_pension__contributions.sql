select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    unit_id,
    to_date(fee_month, 'YYYYMM')  as fee_month_start,
    contribution_base,
    employer_amount,
    employee_amount,
    coalesce(annuity_employer_amount, 0) as annuity_employer_amount,
    coalesce(annuity_employee_amount, 0) as annuity_employee_amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_public_pension', 'public_pension_contribution') }}
