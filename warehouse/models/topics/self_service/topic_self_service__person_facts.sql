-- 自助分析专题库 (口径 v1): one de-identified row per person of the population, for the self-service tools' grouped
-- counts (no identifier: person_key is the md5 of the ID number, the same key as dim_natural_person).
{{ config(contract={'enforced': true}) }}
select
    person_key::text, gender_code::text, age::int, age_band_code::text, district_code::text, hukou_nature_code::text,
    is_agricultural_hukou::boolean,
    {{- profile_tag_select(suffix='::boolean') }}
    tag_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_self_service__status') }}
where in_population
