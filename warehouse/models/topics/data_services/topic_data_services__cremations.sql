-- 数据接口服务专题库: 火化记录(市民政局): 每人最新一条 — the external query service reads this, never staging or raw.
select distinct on (id_number)
    id_number, person_name, gender_code, death_date, cremation_date, funeral_home, district_code,
    data_month::text as data_month
from {{ ref('stg_civil_affairs__cremations') }}
where id_number is not null
order by id_number, month_start desc
