-- 招聘岗位事实(岗位 × 月): vacancies posted in the month with their posts (需求人数). Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.vacancy_id, i.credit_code, i.district_code, i.industry_section_code, i.occupation_code,
    split_part(i.occupation_code, '-', 1) as occupation_major_code, i.education_required_code,
    i.posts, i.wage_min, i.wage_max, i.post_date, i.valid_until,
    b.source_batch_id
from {{ ref('int_job_market__vacancies') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
