-- 人社电子画像专题库 个人画像 (口径 v1): every living golden person with at least one tag in the as-of month.
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are merged
-- (deleted, then inserted if still in the population); a monthly build selects everyone again.
{{ config(meta={'daily_merged': true}, contract={'enforced': true}, materialized='incremental',
          incremental_strategy='append',
          on_schema_change='append_new_columns', pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
{% if since %}with changed_persons as materialized ({{ daily_changed_persons(since) }})
{% endif -%}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, age::int, district_code::text,
    hukou_nature_code::text, is_agricultural_hukou::boolean,
    {{- profile_tag_select(suffix='::boolean') }}
    tags::text, tag_count::int, source_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_profile__status') }}
where in_population{{ daily_changed_semijoin('id_number', since) }}
