select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    course_id,
    person_id,
    upper(id_number)                as id_number,
    person_name,
    gender                          as gender_code,
    birth_date,
    hukou_type                      as hukou_type_code,
    trainee_type                    as trainee_type_code,
    enroll_date,
    completion_status               as completion_status_code,
    status_date,
    nullif(certificate_level, '')   as certificate_level_code,
    nullif(certificate_no, '')      as certificate_no,
    _batch_id                       as batch_id
from {{ source('raw_training', 'training_trainee') }}
