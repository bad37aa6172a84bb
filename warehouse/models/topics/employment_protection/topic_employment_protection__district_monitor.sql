-- 保居民就业专题库 各区监测 (口径 v1): per district of hukou — working-age residents, employed (企业 / 机关事业),
-- registered unemployed, neither, the employment share; and per district of the unit — units, employees, change.
-- Counts only (no identifiers): the view the 专题库运行监控 and district analysts read.
{{ config(materialized='view') }}
with p as (
    select district_code, count(*) as residents,
           count(*) filter (where employment_status_code in ('1', '2')) as employed,
           count(*) filter (where employment_status_code = '3') as registered_unemployed,
           count(*) filter (where employment_status_code = '9') as not_seen,
           max(as_of_month) as as_of_month
    from {{ ref('topic_employment_protection__persons') }} group by district_code
),
u as (
    select district_code, count(*) filter (where employees > 0) as units, sum(employees) as employees,
           sum(employees_change) as employees_change
    from {{ ref('topic_employment_protection__units') }} group by district_code
)
select
    coalesce(p.district_code, u.district_code)                                  as district_code,
    d.name                                                                       as district_name,
    coalesce(p.residents, 0)                                                     as working_age_residents,
    coalesce(p.employed, 0)                                                      as employed_residents,
    coalesce(p.registered_unemployed, 0)                                         as registered_unemployed,
    coalesce(p.not_seen, 0)                                                      as residents_not_seen,
    round(100.0 * p.employed / nullif(p.residents, 0), 2)                        as employed_share_pct,
    coalesce(u.units, 0)                                                         as units,
    coalesce(u.employees, 0)                                                     as unit_employees,
    coalesce(u.employees_change, 0)                                              as unit_employees_change,
    (select max(as_of_month) from {{ ref('topic_employment_protection__status') }}) as as_of_month
from p
full join u using (district_code)
left join {{ ref('code_district') }} d on d.code = coalesce(p.district_code, u.district_code)
