-- 北京市居住证登记信息: typed, renamed view of raw.police_residence_permit with the daily state raw.police_residence_permit_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns() }},
    permit_no,
    district_code,
    address,
    issue_date,
    valid_to,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_police', 'police_residence_permit'), source('raw_police', 'police_residence_permit_daily'), ['id_number'], 'snapshot') }}
