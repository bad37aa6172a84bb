select
    to_date(data_month, 'YYYYMM') as month_start,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    unit_id,
    district_code,
    retire_date,
    retire_type         as retire_type_code,
    deemed_months,
    paid_months,
    basic_pension,
    account_pension,
    transitional_pension,
    monthly_pension,
    _batch_id           as batch_id
from {{ source('raw_public_pension', 'public_pension_retiree') }}
