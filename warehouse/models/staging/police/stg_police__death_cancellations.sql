-- 北京市死亡注销信息: typed, renamed view of raw.police_death_cancel with the daily state raw.police_death_cancel_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns() }},
    death_date,
    cancel_date,
    district_code,
    death_cause as death_cause_code,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_police', 'police_death_cancel'), source('raw_police', 'police_death_cancel_daily'), ['id_number'], 'events') }}
