-- 数据接口服务专题库: every unit registered for enterprise pension (社保单位), its latest registration and its
-- insured / contributing persons in that month — 单位基本信息, 单位参保信息, 养老保险新参保单位. Persons and
-- contributions of every month from the month-incremental ODS tables, so their raw months can be archived.
with latest as (
    select distinct on (unit_id) *
    from {{ ref('stg_pension__units') }}
    order by unit_id, month_start desc
),

first_seen as (
    select unit_id, min(month_start) as first_month
    from {{ ref('stg_pension__units') }}
    group by unit_id
),

persons as (
    select
        p.unit_id, p.month_start,
        count(distinct p.person_id) filter (where p.insured_status_code in ('1', '2')) as insured_persons,
        count(distinct c.person_id) as contributors
    from {{ ref('int_pension__person_registration_month') }} as p
    left join {{ ref('int_pension__contribution_fee_month') }} as c
        on p.person_id = c.person_id and p.month_start = c.fee_month_start
    group by p.unit_id, p.month_start
)

select
    l.unit_id::text as unit_id,
    l.credit_code::text as credit_code,
    l.unit_name::text as unit_name,
    l.district_code::text as district_code,
    l.industry_section_code::text as industry_section_code,
    l.economic_type_code::text as economic_type_code,
    l.open_date::date as open_date,
    l.unit_status_code::text as unit_status_code,
    l.staff_count::int as staff_count,
    f.first_month::date as first_registered_month,
    l.month_start::date as as_of_month,
    coalesce(p.insured_persons, 0)::int as insured_persons,
    coalesce(p.contributors, 0)::int as contributors
from latest as l
inner join first_seen as f on l.unit_id = f.unit_id
left join persons as p on l.unit_id = p.unit_id and l.month_start = p.month_start
