-- 积分落户申报人员信息: typed, renamed view of raw.points_applicant (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    apply_year,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    credit_code,
    apply_date,
    score,
    apply_status as apply_status_code,
    _batch_id as batch_id
from {{ source('raw_points_settlement', 'points_applicant') }}
