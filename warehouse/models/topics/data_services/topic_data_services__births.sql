-- 数据接口服务专题库: 常住人口出生(市卫健委): 每张出生医学证明最新一条 — the external query service reads this, never staging or raw.
select distinct on (birth_cert_no)
    birth_cert_no, mother_id_number, mother_name, child_birth_date, child_gender_code, babies, birth_weight, hospital, district_code,
    data_month::text as data_month
from {{ ref('stg_health_births__births') }}
where birth_cert_no is not null
order by birth_cert_no, month_start desc
