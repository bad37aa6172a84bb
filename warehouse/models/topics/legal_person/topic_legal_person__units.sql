-- 北京市法人信息专题库 (口径 v1): every unit of the 经信局 legal-person register (存续 and 注销), with 工商/税务
-- attributes, the market-supervision lists and its enterprise-pension contributors in the as-of month.
{{ config(contract={'enforced': true}) }}
select
    credit_code::text, org_code::text, unit_name::text, legal_form_code::text, district_code::text,
    industry_section::text, register_date::date, deregister_date::date, unit_status_code::text,
    tax_paid_last_year::numeric(16,2), on_abnormal_list::boolean, on_serious_violation_list::boolean,
    pension_contributors::int, source_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_legal_person__status') }}
where in_population
