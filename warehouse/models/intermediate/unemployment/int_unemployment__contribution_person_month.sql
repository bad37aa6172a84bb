-- 失业保险缴费按人按到账月份汇总(含补缴往月); duplicate detail keys keep the newest batch.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, person_id, fee_month_start) *
    from {{ ref('stg_unemployment__contributions') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, fee_month_start, batch_id desc
)
select
    month_start,
    person_id,
    max(unit_id)                                                                        as unit_id,
    coalesce(sum(contribution_base) filter (where fee_month_start = month_start), 0)    as contribution_base,
    sum(employer_amount)                                                                as employer_amount,
    sum(employee_amount)                                                                as employee_amount,
    sum(employer_amount + employee_amount)                                              as contribution_income,
    coalesce(sum(employer_amount + employee_amount) filter (where fee_month_start < month_start), 0) as arrears_income,
    count(*)                                                                            as contribution_rows,
    b.source_batch_id
from deduped
join ({{ month_batch() }}) b using (month_start)
group by month_start, person_id, b.source_batch_id
