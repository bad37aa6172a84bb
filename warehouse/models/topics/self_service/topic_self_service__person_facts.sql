-- 自助分析专题库 (口径 v1): one de-identified row per person of the population, for the self-service tools' grouped
-- counts (no identifier: person_key is the md5 of the ID number, the same key as dim_natural_person).
{{ config(contract={'enforced': true}) }}
select
    person_key::text, gender_code::text, age::int, age_band_code::text, district_code::text, hukou_nature_code::text,
    is_agricultural_hukou::boolean,
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
    tag_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_self_service__status') }}
where in_population
