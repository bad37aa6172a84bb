-- 自助分析专题库: the population rule (口径 v1) applied to every golden natural person — the 人社电子画像 person
-- population, de-identified (person_key, age band, no ID number, name or household number) for grouped counts.
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are evaluated
-- again and merged (deleted by person_key, then inserted if still a candidate); a monthly build evaluates everyone.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete('person_key', key='md5(id_number)') }}") }}
{%- set since = daily_incremental_since() %}
{% if since %}with changed_persons as materialized ({{ daily_changed_persons(since) }})
{% endif -%}
select
    p.person_key, p.gender_code, p.age, ab.code as age_band_code, p.district_code, p.hukou_nature_code,
    p.is_agricultural_hukou,
    {{- profile_tag_select(prefix='p.') }}
    p.tag_count, p.as_of_month, p.evaluated_at,
    p.in_population and p.age >= 16                                      as in_population,
    case when p.in_population and p.age < 16 then '未满16周岁(不纳入自助分析)' else p.reason end as reason
from {{ ref('topic_profile__status') }} p
left join {{ ref('code_age_band') }} ab on p.age >= ab.min_age::int and p.age <= ab.max_age::int
where true{{ daily_changed_semijoin('p.id_number', since) }}
