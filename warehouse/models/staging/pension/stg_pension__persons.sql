select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    hukou_type          as hukou_type_code,
    unit_id,
    district_code,
    first_insured_date,
    insured_status      as insured_status_code,
    phone,
    _batch_id           as batch_id
from {{ source('raw_pension', 'ent_pension_person') }}
