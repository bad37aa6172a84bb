-- 培训班月度事实(培训班 × 月): courses running in the month. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.course_id, i.institution_credit_code, i.district_code, i.training_type_code, i.occupation_code,
    i.skill_level_code, i.start_date, i.end_date,
    i.is_started::int::smallint as is_started,
    i.is_ending::int::smallint  as is_ending,
    i.class_hours, i.enrolled, i.subsidy_standard,
    b.source_batch_id
from {{ ref('int_training__courses') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
