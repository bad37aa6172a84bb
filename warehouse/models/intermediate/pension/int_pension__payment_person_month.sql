-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    month_start,
    person_id,
    sum(amount) as pension_paid,
    coalesce(sum(amount) filter (where payment_item_code = '01'), 0) as basic_pension_paid,
    b.source_batch_id
from {{ ref('stg_pension__payments') }}
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('data_month') }}
group by month_start, person_id, b.source_batch_id
