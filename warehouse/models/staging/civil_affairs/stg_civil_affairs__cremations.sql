-- 火化信息: typed, renamed view of raw.civil_cremation (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    gender as gender_code,
    death_date,
    cremation_date,
    funeral_home,
    district_code,
    _batch_id as batch_id
from {{ source('raw_civil_affairs', 'civil_cremation') }}
