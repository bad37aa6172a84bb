select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    seeker_id,
    person_id,
    upper(id_number)                as id_number,
    person_name,
    gender                          as gender_code,
    birth_date,
    hukou_type                      as hukou_type_code,
    nullif(education, '')           as education_code,
    district_code,
    seeker_type                     as seeker_type_code,
    desired_occupation              as desired_occupation_code,
    expected_wage,
    reg_date,
    _batch_id                       as batch_id
from {{ source('raw_job_market', 'job_market_seeker') }}
