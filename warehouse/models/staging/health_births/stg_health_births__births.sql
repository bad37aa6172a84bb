-- 北京市常住人口出生信息(出生医学证明): typed, renamed view of raw.health_birth (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    birth_cert_no,
    {{ normalize_id('mother_id_number') }} as mother_id_number,
    mother_id_number as mother_id_number_raw,
    mother_name,
    child_birth_date,
    child_gender as child_gender_code,
    babies,
    birth_weight,
    hospital,
    district_code,
    _batch_id as batch_id
from {{ source('raw_health_births', 'health_birth') }}
