-- 临近一年退休人员专题库 (口径 v1): the persons whose statutory retirement month falls within the 12 months after the
-- as-of month, with their contribution years and whether they reach the minimum for a pension.
{{ config(contract={'enforced': true}) }}
select
    id_number::text                         as id_number,
    person_name::text                       as person_name,
    person_id::text                         as person_id,
    insurance_type_code::text               as insurance_type_code,
    gender_code::text                       as gender_code,
    birth_date::date                        as birth_date,
    district_code::text                     as district_code,
    unit_id::text                           as unit_id,
    insured_status_code::text               as insured_status_code,
    first_insured_date::date                as first_insured_date,
    retirement_month::date                  as retirement_month,
    months_to_retirement::int               as months_to_retirement,
    contribution_years::numeric(5,1)        as contribution_years,
    contribution_years_at_retirement::numeric(5,1) as contribution_years_at_retirement,
    minimum_contribution_years::numeric(4,1) as minimum_contribution_years,
    meets_minimum::boolean                  as meets_minimum,
    as_of_month::date                       as as_of_month,
    now()::timestamp                        as refreshed_at
from {{ ref('topic_near_retirement__status') }}
where in_population
