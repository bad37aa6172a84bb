select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    unit_id,
    upper(credit_code)  as credit_code,
    unit_name,
    unit_category       as unit_category_code,
    funding_type        as funding_type_code,
    district_code,
    open_date,
    annuity_flag        as annuity_flag_code,
    unit_status         as unit_status_code,
    staff_count,
    retiree_count,
    _batch_id           as batch_id
from {{ source('raw_public_pension', 'public_pension_unit') }}
