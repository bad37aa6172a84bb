-- 北京市残疾人信息: typed, renamed view of raw.disabled_person (ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns() }},
    certificate_no,
    disability_type as disability_type_code,
    disability_level as disability_level_code,
    district_code,
    issue_date,
    _batch_id as batch_id
from {{ source('raw_disabled_persons', 'disabled_person') }}
