-- 北京市残疾人信息: typed, renamed view of raw.disabled_person (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    gender as gender_code,
    birth_date,
    certificate_no,
    disability_type as disability_type_code,
    disability_level as disability_level_code,
    district_code,
    issue_date,
    _batch_id as batch_id
from {{ source('raw_disabled_persons', 'disabled_person') }}
