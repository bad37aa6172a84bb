-- 数据接口服务专题库: 困难群体(低保、特困、困难补贴, 市民政局): 每人最新一条 — the external query service reads this, never staging or raw.
select distinct on (id_number)
    id_number, person_name, gender_code, birth_date, assist_type_code, district_code, start_date, family_size, monthly_amount,
    data_month::text as data_month
from {{ ref('stg_civil_affairs__low_income_persons') }}
where id_number is not null
order by id_number, month_start desc
