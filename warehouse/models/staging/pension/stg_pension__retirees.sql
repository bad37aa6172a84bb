select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    district_code,
    retire_date,
    retire_type         as retire_type_code,
    contribution_months,
    monthly_pension,
    _batch_id           as batch_id
from {{ source('raw_pension', 'ent_pension_retiree') }}
