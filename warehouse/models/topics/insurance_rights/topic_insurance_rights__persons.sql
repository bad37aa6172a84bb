-- 北京市社保权益查询专题库 (口径 v1): per person and insurance, the latest registration in the 12 months to the as-of
-- month with contributions and benefits in that window — what the rights queries (权益查询) answer from.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, insurance_type_code::text, insurance_type_name::text, person_id::text,
    last_registered_month::date, status_code::text, first_insured_date::date, contribution_months_12m::int,
    last_fee_month::date, contribution_amount_12m::numeric(16,2), benefit_amount_12m::numeric(16,2),
    as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_insurance_rights__status') }}
where in_population
