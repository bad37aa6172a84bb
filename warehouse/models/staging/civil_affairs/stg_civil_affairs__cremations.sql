-- 火化信息: typed, renamed view of raw.civil_cremation (ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns('id_number', 'person_name', 'gender', none) }},
    death_date,
    cremation_date,
    funeral_home,
    district_code,
    _batch_id as batch_id
from {{ source('raw_civil_affairs', 'civil_cremation') }}
