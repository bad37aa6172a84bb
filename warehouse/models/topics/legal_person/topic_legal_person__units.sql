-- 北京市法人信息专题库 (口径 v1): every unit of the 经信局 legal-person register (存续 and 注销), with 工商/税务
-- attributes, the market-supervision lists and its enterprise-pension contributors in the as-of month.
{{ config(contract={'enforced': true}) }}
select
    credit_code::text, org_code::text, unit_name::text, legal_form_code::text, district_code::text,
    industry_section::text, register_date::date, deregister_date::date, unit_status_code::text,
    tax_paid_last_year::numeric(16,2), on_abnormal_list::boolean, on_serious_violation_list::boolean,
    pension_contributors::int, source_count::int, as_of_month::date, now()::timestamp as refreshed_at,
    -- every two consecutive characters of the name, GIN-indexed: 按名称模糊查询 (le_fuzzy) finds the names holding
    -- all the keyword's pairs through the index and checks the substring on those alone, instead of reading every
    -- unit (≈ 1 M at scale 1.0); a keyword has at least 2 characters (the service's min_length)
    array(select distinct substr(unit_name, i, 2) from generate_series(1, char_length(unit_name) - 1) as i
    )::text[] as unit_name_bigrams
from {{ ref('topic_legal_person__status') }}
where in_population
