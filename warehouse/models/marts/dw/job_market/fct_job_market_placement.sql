-- 职业介绍成功事实(介绍成功 × 月), with the vacancy's occupation and industry. Incremental by month (rebuilt
-- when the placement, vacancy or seeker file of the month is re-delivered).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.placement_id, i.seeker_id, i.vacancy_id, i.person_id, i.credit_code, i.district_code, i.seeker_district_code,
    i.seeker_type_code, i.occupation_code, split_part(i.occupation_code, '-', 1) as occupation_major_code,
    i.industry_section_code, i.placement_date, i.agreed_wage,
    b.source_batch_id
from {{ ref('int_job_market__placements') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
