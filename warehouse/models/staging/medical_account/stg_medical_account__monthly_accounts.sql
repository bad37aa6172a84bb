select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    person_type         as person_type_code,
    district_code,
    nullif(unit_id, '') as unit_id,
    credit_base,
    balance_begin,
    credit_amount,
    spend_outpatient,
    spend_pharmacy,
    balance_end,
    _batch_id           as batch_id
from {{ source('raw_medical_account', 'med_account_monthly') }}
