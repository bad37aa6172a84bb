-- Residents-pension contributions per person and arrival month (one yearly deduction as a rule).
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    month_start,
    person_id,
    {{ current_district('max(district_code)') }}  as district_code,
    max(contribution_grade_code)                   as contribution_grade_code,
    sum(personal_amount)                           as personal_contribution,
    sum(subsidy_amount)                            as subsidy_amount,
    sum(assisted_amount)                           as assisted_amount,
    count(*)                                       as contribution_rows,
    b.source_batch_id
from {{ ref('stg_residents_pension__contributions') }}
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('data_month') }}
group by month_start, person_id, b.source_batch_id
