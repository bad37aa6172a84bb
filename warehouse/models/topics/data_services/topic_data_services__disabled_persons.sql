-- 数据接口服务专题库: 残疾人(市残联): 每人最新一条 — the external query service reads this, never staging or raw.
select distinct on (id_number)
    id_number, person_name, gender_code, birth_date, certificate_no, disability_type_code, disability_level_code, district_code, issue_date,
    data_month::text as data_month
from {{ ref('stg_disabled_persons__disabled_persons') }}
where id_number is not null
order by id_number, month_start desc
