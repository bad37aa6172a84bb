-- 技能提升补贴专题库 (口径 v1): the individual subsidy roster of the 12 months to the as-of month, each record compared
-- with social insurance (比对结果) — what the subsidy comparison service (技能提升补贴数据比对服务) answers.
{{ config(contract={'enforced': true}) }}
select
    record_key::text, month_start::date, id_number::text, person_name::text, credit_code::text,
    skill_level_code::text, certificate_no::text, certificate_date::date, subsidy_amount::numeric(10,2),
    insured_in_month::boolean, unit_matches::boolean, claims_same_level::int, reason::text as comparison_result,
    as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_skill_subsidy__status') }}
where in_population
