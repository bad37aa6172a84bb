-- 人社电子画像专题库 个人画像 (口径 v1): every living golden person with at least one tag in the as-of month.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, age::int, district_code::text,
    hukou_nature_code::text, is_agricultural_hukou::boolean,
    tag_beijing_hukou::boolean,
    tag_residence_permit::boolean,
    tag_employee_insured::boolean,
    tag_residents_insured::boolean,
    tag_pensioner::boolean,
    tag_registered_unemployed::boolean,
    tag_unemployment_benefit::boolean,
    tag_job_seeker::boolean,
    tag_trained::boolean,
    tag_skill_subsidy::boolean,
    tag_points_applicant::boolean,
    tag_low_income::boolean,
    tag_disabled::boolean,
    tags::text, tag_count::int, source_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_profile__status') }}
where in_population
