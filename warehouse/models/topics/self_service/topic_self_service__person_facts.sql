-- 自助分析专题库 (口径 v1): one de-identified row per person of the population, for the self-service tools' grouped
-- counts (no identifier: person_key is the md5 of the ID number, the same key as dim_natural_person).
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are merged
-- (deleted, then inserted if still in the population); a monthly build selects everyone again.
{{ config(meta={'daily_merged': true}, contract={'enforced': true}, materialized='incremental',
          incremental_strategy='append',
          on_schema_change='append_new_columns', pre_hook="{{ daily_incremental_delete('person_key', key='md5(id_number)') }}") }}
{%- set since = daily_incremental_since() %}
{% if since %}with changed_persons as materialized ({{ daily_changed_persons(since) }})
{% endif -%}
select
    person_key::text, gender_code::text, age::int, age_band_code::text, district_code::text, hukou_nature_code::text,
    is_agricultural_hukou::boolean,
    {{- profile_tag_select(suffix='::boolean') }}
    tag_count::int, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_self_service__status') }}
where in_population{{ daily_changed_semijoin('person_key', since, key='md5(id_number)') }}
