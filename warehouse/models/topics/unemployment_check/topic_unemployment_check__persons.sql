-- 失业查社保专题库 (口径 v1): persons insured against unemployment in the as-of month or paid 失业保险金 / 农民工一次性
-- 生活补助 in the 12 months to it, with their insurance and contribution record — what 就失业登记 and 失业金申领 check.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, person_id::text, unit_id::text, district_code::text, first_insured_date::date,
    insured_status_code::text, contribution_months_12m::int, last_fee_month::date, benefit_months_12m::int,
    benefit_amount_12m::numeric(14,2), migrant_allowance_12m::numeric(14,2), as_of_month::date,
    now()::timestamp as refreshed_at
from {{ ref('topic_unemployment_check__status') }}
where in_population
