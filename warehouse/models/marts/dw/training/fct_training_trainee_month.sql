-- 培训学员月度事实(学员 × 培训班 × 月): trainees in training and, last, in the month they finish or drop out.
-- District and training type are the course's. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.course_id, i.person_id, i.district_code, i.training_type_code, i.gender_code, i.age_band_code,
    i.hukou_type_code, i.trainee_type_code, i.completion_status_code, i.enroll_date, i.status_date,
    i.is_enrolled_this_month::int::smallint as is_enrolled_this_month,
    i.is_in_training::int::smallint         as is_in_training,
    i.is_passed::int::smallint              as is_passed,
    i.is_failed::int::smallint              as is_failed,
    i.is_dropped::int::smallint             as is_dropped,
    i.has_certificate::int::smallint        as has_certificate,
    i.certificate_level_code,
    b.source_batch_id
from {{ ref('int_training__trainees') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
