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
    post_type           as post_type_code,
    work_start_date,
    first_insured_date,
    deemed_months,
    paid_months,
    insured_status      as insured_status_code,
    _batch_id           as batch_id
from {{ source('raw_public_pension', 'public_pension_person') }}
