-- Contributions per person and arrival month: basic pension (16 % + 8 %) and occupational annuity.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    month_start,
    person_id,
    max(unit_id)                                                                      as unit_id,
    coalesce(sum(contribution_base) filter (where fee_month_start = month_start), 0)  as contribution_base,
    sum(employer_amount + employee_amount)                                            as contribution_income,
    sum(annuity_employer_amount + annuity_employee_amount)                            as annuity_income,
    count(*)                                                                          as contribution_rows,
    b.source_batch_id
from {{ ref('stg_public_pension__contributions') }}
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('data_month') }}
group by month_start, person_id, b.source_batch_id
