-- 北京市居住证登记信息: typed, renamed view of raw.police_residence_permit (ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns() }},
    permit_no,
    district_code,
    address,
    issue_date,
    valid_to,
    _batch_id as batch_id
from {{ source('raw_police', 'police_residence_permit') }}
