-- 北京市死亡注销信息: typed, renamed view of raw.police_death_cancel (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    gender as gender_code,
    birth_date,
    death_date,
    cancel_date,
    district_code,
    death_cause as death_cause_code,
    _batch_id as batch_id
from {{ source('raw_police', 'police_death_cancel') }}
