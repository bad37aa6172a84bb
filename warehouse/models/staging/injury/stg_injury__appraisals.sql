select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    appraisal_id,
    case_id,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    district_code,
    apply_date,
    conclusion_date,
    disability_grade    as disability_grade_code,
    nursing_level       as nursing_level_code,
    _batch_id           as batch_id
from {{ source('raw_injury', 'injury_appraisal') }}
