-- 保居民就业专题库 人员就业信息监测 (口径 v1): the working-age, living Beijing-hukou residents with their employment
-- status in the as-of month.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, age::int, hukou_nature_code::text,
    district_code::text, retirement_month::date, employment_status_code::text, employment_status::text,
    unit_credit_code::text, unit_district_code::text, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_employment_protection__status') }}
where in_population
