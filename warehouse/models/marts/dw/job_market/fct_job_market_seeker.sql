-- 求职登记事实(求职登记 × 月): job seekers registered in the month. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.seeker_id, i.person_id, i.district_code, i.gender_code, i.age_band_code, i.hukou_type_code, i.education_code,
    i.seeker_type_code, i.desired_occupation_code, split_part(i.desired_occupation_code, '-', 1) as desired_occupation_major_code,
    i.expected_wage, i.reg_date,
    b.source_batch_id
from {{ ref('int_job_market__seekers') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
