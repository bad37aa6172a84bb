select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    unit_id,
    credit_code,
    unit_name,
    district_code,
    industry_section    as industry_section_code,
    risk_class          as risk_class_code,
    to_date(fee_month, 'YYYYMM')  as fee_month_start,
    insured_count,
    payroll_base,
    rate,
    amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_injury', 'injury_unit_contribution') }}
