-- 人社电子画像专题库 个人画像 (口径 v1): every living golden person with at least one tag in the as-of month.
{{ config(contract={'enforced': true}) }}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, age::int, district_code::text,
    hukou_nature_code::text, is_agricultural_hukou::boolean,
    {{- profile_tag_select(suffix='::boolean') }}
    tags::text, tag_count::int, source_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_profile__status') }}
where in_population
