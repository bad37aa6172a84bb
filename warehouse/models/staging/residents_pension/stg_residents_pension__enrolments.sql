select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    birth_date,
    hukou_type          as hukou_type_code,
    district_code,
    enrol_date,
    enrol_status        as enrol_status_code,
    nullif(contribution_grade, '') as contribution_grade_code,
    coalesce(nullif(assisted_group, ''), '0') as assisted_group_code,
    paid_years,
    benefit_start_date,
    nullif(phone, '')   as phone,
    _batch_id           as batch_id
from {{ source('raw_residents_pension', 'residents_pension_enrol') }}
