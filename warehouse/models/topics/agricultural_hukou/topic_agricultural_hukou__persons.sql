-- 北京市农业户籍专题库 (口径 v1): persons of the police register in the as-of month whose 户籍性质 is agricultural
-- (农业家庭户 / 农业集体户), with enterprise / residents pension, 低保/特困 and disability status.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, age::int, household_no::text,
    hukou_nature_code::text, district_code::text, in_enterprise_pension::boolean, in_residents_pension::boolean,
    is_low_income::boolean, is_disabled::boolean, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_agricultural_hukou__status') }}
where in_population
