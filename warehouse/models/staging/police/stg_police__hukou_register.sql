-- 北京市户籍人口登记信息: typed, renamed view of raw.police_hukou_register (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    gender as gender_code,
    birth_date,
    household_no,
    hukou_nature as hukou_nature_code,
    relation_to_head as relation_to_head_code,
    district_code,
    address,
    register_date,
    _batch_id as batch_id
from {{ source('raw_police', 'police_hukou_register') }}
