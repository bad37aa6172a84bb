-- 人力资源市场查询专题库: the population rule (口径 v1) applied to everyone the 人力资源市场 system (求职登记) or the
-- unemployment register has listed in the 12 months to the as-of month: in the population when, in the as-of month,
-- registered as a job seeker or as unemployed (登记失业); with placements and training in the 12 months.
with win as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
seek as (
    select distinct on (id_number) id_number, person_name, gender_code, birth_date, district_code, seeker_id,
           seeker_type_code, desired_occupation_code, expected_wage, reg_date, month_start
    from {{ ref('stg_job_market__seekers') }}, win
    where month_start between win.from_month and win.as_of_month
    order by id_number, month_start desc, reg_date desc
),
unemp as (
    select distinct on (id_number) id_number, person_name, gender_code, birth_date, district_code, reg_date,
           reg_status_code, hard_to_employ_flag, benefit_flag, month_start
    from {{ ref('stg_unemployed_registry__persons') }}, win
    where month_start between win.from_month and win.as_of_month
    order by id_number, month_start desc, reg_date desc
),
ids as (select distinct person_id, id_number from {{ ref('stg_job_market__seekers') }}),
placed as (
    select i.id_number, count(*) as placements_12m, max(p.placement_date) as last_placement_date
    from {{ ref('stg_job_market__placements') }} p join ids i using (person_id), win
    where p.month_start between win.from_month and win.as_of_month
    group by i.id_number
),
trained as (
    select id_number, count(*) as trainings_12m
    from {{ ref('stg_training__trainees') }}, win
    where month_start between win.from_month and win.as_of_month
    group by id_number
),
people as (select id_number from seek union select id_number from unemp)
select
    p.id_number,
    coalesce(s.person_name, u.person_name)                                    as person_name,
    coalesce(s.gender_code, u.gender_code)                                    as gender_code,
    coalesce(s.birth_date, u.birth_date)                                      as birth_date,
    coalesce(s.district_code, u.district_code)                                as district_code,
    coalesce(s.month_start = w.as_of_month, false)                            as is_job_seeker,
    s.seeker_type_code, s.desired_occupation_code, s.expected_wage, s.reg_date as seeker_reg_date,
    coalesce(u.month_start = w.as_of_month and u.reg_status_code = '1', false) as is_registered_unemployed,
    u.reg_date as unemployment_reg_date, u.hard_to_employ_flag, u.benefit_flag,
    coalesce(pl.placements_12m, 0)                                            as placements_12m,
    pl.last_placement_date,
    coalesce(t.trainings_12m, 0)                                              as trainings_12m,
    w.as_of_month, now()::timestamp as evaluated_at,
    coalesce(s.month_start = w.as_of_month or (u.month_start = w.as_of_month and u.reg_status_code = '1'), false)
                                                                              as in_population,
    case when s.month_start = w.as_of_month and u.month_start = w.as_of_month and u.reg_status_code = '1'
              then '求职登记且登记失业'
         when s.month_start = w.as_of_month then '求职登记'
         when u.month_start = w.as_of_month and u.reg_status_code = '1' then '登记失业'
         when u.month_start = w.as_of_month and u.reg_status_code = '2' then '已就业(注销失业登记)'
         when pl.id_number is not null then '12个月内已安置就业, 口径月份不再登记'
         else '口径月份不再登记' end                                            as reason
from people p
cross join win w
left join seek s using (id_number)
left join unemp u using (id_number)
left join placed pl using (id_number)
left join trained t using (id_number)
