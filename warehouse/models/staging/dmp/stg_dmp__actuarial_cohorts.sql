select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    insurance_type      as insurance_type_code,
    gender              as gender_code,
    age,
    active_count,
    retired_count,
    contributors,
    new_retirees,
    deaths,
    contribution_total,
    pension_total,
    _batch_id           as batch_id
from {{ source('raw_dmp', 'dmp_actuarial_cohort') }}
