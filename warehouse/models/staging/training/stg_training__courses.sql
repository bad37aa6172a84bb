select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    course_id,
    institution_credit_code,
    institution_name,
    district_code,
    training_type                   as training_type_code,
    occupation_code,
    skill_level                     as skill_level_code,
    start_date,
    end_date,
    class_hours,
    enrolled,
    subsidy_standard,
    _batch_id                       as batch_id
from {{ source('raw_training', 'training_course') }}
