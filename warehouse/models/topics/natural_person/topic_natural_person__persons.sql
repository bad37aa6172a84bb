-- 北京市自然人专题库 (口径 v1): 本市户籍人口、有效居住证持有人和公安死亡注销人员, one golden record each.
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are merged
-- (deleted, then inserted if still in the population); a monthly build selects everyone again.
{{ config(meta={'daily_merged': true}, contract={'enforced': true}, materialized='incremental',
          incremental_strategy='append',
          on_schema_change='append_new_columns', pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
{% if since %}with changed_persons as materialized ({{ daily_changed_persons(since) }})
{% endif -%}
select
    id_number::text, person_name::text, gender_code::text, birth_date::date, population_group::text,
    hukou_nature_code::text, household_no::text, district_code::text, permit_valid_to::date, death_date::date,
    source_count::int, source_list::text, as_of_month::date, now()::timestamp as refreshed_at
from {{ ref('topic_natural_person__status') }}
where in_population{{ daily_changed_semijoin('id_number', since) }}
