-- 企业免审即享社保专题库 失业保险费返还单位 (口径 v1): the units eligible for the refund in the as-of month, with the
-- figures the rule used and the amount (the 公示 list: unit data, no personal identifiers).
{{ config(contract={'enforced': true}) }}
select
    credit_code::text, unit_name::text, district_code::text, months_paid::int, months_loaded::int,
    insured_start::int, insured_end::int, layoff_rate_pct::numeric(6,2), layoff_limit_pct::numeric(6,2),
    employer_paid::numeric(16,2), refund_ratio::numeric(4,2), refund_amount::numeric(16,2), as_of_month::date,
    now()::timestamp as refreshed_at
from {{ ref('topic_unemployment_refund__status') }}
where in_population
