select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    insurance_type      as insurance_type_code,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    district_code,
    nullif(upper(unit_credit_code), '') as unit_credit_code,
    relation_status     as relation_status_code,
    start_date,
    end_date,
    _batch_id           as batch_id
from {{ source('raw_dmp', 'dmp_person_relation') }}
