-- 人力资源市场查询专题库 人员 (口径 v1): job seekers and registered unemployed of the as-of month, with placements and
-- training in the 12 months to it.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, district_code::text,
    is_job_seeker::boolean, seeker_type_code::text, desired_occupation_code::text, expected_wage::numeric(12,2),
    seeker_reg_date::date, is_registered_unemployed::boolean, unemployment_reg_date::date,
    hard_to_employ_flag::text, benefit_flag::text, placements_12m::int, last_placement_date::date,
    trainings_12m::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_hr_market__status') }}
where in_population
