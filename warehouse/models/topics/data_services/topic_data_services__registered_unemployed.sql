-- 数据接口服务专题库: registered unemployed persons (人力资源市场 失业登记), each person's latest registration —
-- what 人力资源市场数据-失业人员查询服务 answers from.
select distinct on (id_number)
    id_number::text as id_number,
    person_name::text as person_name,
    gender_code::text as gender_code,
    birth_date::date as birth_date,
    hukou_type_code::text as hukou_type_code,
    district_code::text as district_code,
    reg_date::date as reg_date,
    unemployment_reason_code::text as unemployment_reason_code,
    last_unit_credit_code::text as last_unit_credit_code,
    benefit_flag::text as benefit_flag,
    hard_to_employ_flag::text as hard_to_employ_flag,
    reg_status_code::text as reg_status_code,
    end_date::date as end_date,
    data_month::text as data_month
from {{ ref('stg_unemployed_registry__persons') }}
where id_number is not null
order by id_number, month_start desc, reg_date desc
