-- 北京市居住证登记信息: typed, renamed view of raw.police_residence_permit (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    gender as gender_code,
    birth_date,
    permit_no,
    district_code,
    address,
    issue_date,
    valid_to,
    _batch_id as batch_id
from {{ source('raw_police', 'police_residence_permit') }}
