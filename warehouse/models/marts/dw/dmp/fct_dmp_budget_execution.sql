-- Fund budget execution per month × insurance type × budget item. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    e.month_start,
    (extract(year from e.month_start) * 100 + extract(month from e.month_start))::int as month_key,
    e.budget_year,
    e.insurance_type_code,
    e.budget_item_code,
    e.direction_code,
    e.planned_amount::numeric(18,2)         as planned_amount,
    e.executed_month_amount::numeric(18,2)  as executed_month_amount,
    e.executed_ytd_amount::numeric(18,2)    as executed_ytd_amount,
    e.execution_rate_pct::numeric(9,2)      as execution_rate_pct,
    e.provider_execution_rate_pct::numeric(9,2) as provider_execution_rate_pct,
    b.source_batch_id
from {{ ref('int_dmp__budget_executions') }} e
join ({{ month_batch() }}) b on b.month_start = e.month_start
where {{ in_months_to_build('e.month_start') }}
