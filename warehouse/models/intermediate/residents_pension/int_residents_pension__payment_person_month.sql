-- Residents-pension benefit payments per person and month.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    month_start,
    person_id,
    {{ current_district('max(district_code)') }}  as district_code,
    sum(basic_amount)                              as basic_pension_paid,
    sum(account_amount)                            as account_pension_paid,
    sum(refund_amount)                             as refund_paid,
    sum(total_amount)                              as benefit_paid,
    b.source_batch_id
from {{ ref('stg_residents_pension__payments') }}
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('data_month') }}
group by month_start, person_id, b.source_batch_id
