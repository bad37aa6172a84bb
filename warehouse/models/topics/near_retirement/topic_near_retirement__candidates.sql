-- 临近一年退休人员专题库: the universe the population rule is applied to — every person insured (正常缴费 / 暂停缴费)
-- in the as-of month in the enterprise or the public-institution pension, with what the rule needs.
with as_of as (select {{ topic_as_of() }} as as_of_month),
ent as (
    select distinct on (p.id_number)
        p.id_number, p.person_name, p.person_id, p.gender_code, p.birth_date, p.first_insured_date, p.unit_id,
        p.district_code, p.insured_status_code, '110'::text as insurance_type_code,
        50 as female_base_age   -- 企业职工: 岗位类别未交付, 女性按工人50岁(见口径说明)
    from {{ ref('stg_pension__persons') }} p, as_of a
    where p.data_month = {{ topic_as_of_data_month() }}   -- the as-of month's raw partition only
      and p.month_start = a.as_of_month and p.insured_status_code in ('1', '2')
    order by p.id_number, p.person_id
),
pub as (
    select distinct on (p.id_number)
        p.id_number, p.person_name, p.person_id, p.gender_code, p.birth_date, p.first_insured_date, p.unit_id,
        p.district_code, p.insured_status_code, '120'::text,
        coalesce(pt.retire_age_female::int, 55)
    from {{ ref('stg_public_pension__persons') }} p
    cross join as_of a
    left join {{ ref('code_post_type') }} pt on pt.code = p.post_type_code
    where p.data_month = {{ topic_as_of_data_month() }}   -- the as-of month's raw partition only
      and p.month_start = a.as_of_month and p.insured_status_code in ('1', '2')
    order by p.id_number, p.person_id
)
select u.*, a.as_of_month
from (select * from ent union all select * from pub) u
cross join as_of a
