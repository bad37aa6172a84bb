-- 北京市自然人专题库: the population rule (口径 v1) applied to every golden natural person.
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are evaluated
-- again and merged (deleted, then inserted if still a golden person); a monthly build evaluates everyone.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}as_of as (select {{ topic_as_of() }} as as_of_month)
select
    n.id_number, n.person_name, n.gender_code, n.birth_date, n.hukou_nature_code, n.household_no, n.district_code,
    n.is_beijing_hukou, n.hukou_month, n.permit_valid_to, n.death_date, n.source_count, n.source_list, a.as_of_month,
    now()::timestamp as evaluated_at,
    case when n.death_date is not null then '死亡注销'
         when n.hukou_month = a.as_of_month then '本市户籍'
         when n.permit_valid_to >= a.as_of_month then '居住证' end          as population_group,
    coalesce(n.death_date is not null or n.hukou_month = a.as_of_month or n.permit_valid_to >= a.as_of_month, false) as in_population,
    case when n.death_date is not null then '公安死亡注销'
         when n.hukou_month = a.as_of_month then '公安户籍登记在册'
         when n.permit_valid_to >= a.as_of_month then '持有效居住证'
         when n.hukou_month < a.as_of_month then '户籍不再在册(迁出)'
         when n.hukou_month > a.as_of_month then '口径月份后才登记(新增)'
         else '仅见于社保等业务来源(非本市户籍且无有效居住证)' end          as reason
from {{ ref('int_identity__natural_person') }} n
cross join as_of a
where true{{ daily_changed_filter('n.id_number', since) }}
