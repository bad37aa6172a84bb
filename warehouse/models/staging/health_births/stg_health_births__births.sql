-- 北京市常住人口出生信息(出生医学证明): typed, renamed view of raw.health_birth (ID numbers normalised).
select
    {{ stg_month_columns() }},
    birth_cert_no,
    {{ stg_person_columns('mother_id_number', 'mother_name', none, none) }},
    child_birth_date,
    child_gender as child_gender_code,
    babies,
    birth_weight,
    hospital,
    district_code,
    _batch_id as batch_id
from {{ source('raw_health_births', 'health_birth') }}
