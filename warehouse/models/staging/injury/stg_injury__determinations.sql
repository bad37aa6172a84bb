select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    case_id,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    unit_id,
    district_code,
    accident_date,
    apply_date,
    determination_date,
    result              as determination_result_code,
    injury_type         as injury_type_code,
    severity            as injury_severity_code,
    _batch_id           as batch_id
from {{ source('raw_injury', 'injury_determination') }}
