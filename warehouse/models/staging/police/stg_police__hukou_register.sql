-- 北京市户籍人口登记信息: typed, renamed view of raw.police_hukou_register with the daily state raw.police_hukou_register_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns() }},
    household_no,
    hukou_nature as hukou_nature_code,
    relation_to_head as relation_to_head_code,
    district_code,
    address,
    register_date,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_police', 'police_hukou_register'), source('raw_police', 'police_hukou_register_daily'), ['id_number'], 'snapshot') }}
