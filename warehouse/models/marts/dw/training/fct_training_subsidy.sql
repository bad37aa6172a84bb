-- 培训补贴发放事实(发放流水 × 月), attributed to the training institution's district. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.payment_id, i.course_id, i.person_id, i.district_code, i.training_type_code, i.subsidy_item_code,
    i.amount::numeric(14,2) as amount, i.paid_date,
    b.source_batch_id
from {{ ref('int_training__subsidies') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
