-- Unit × month fact of work-injury contributions (employer only, risk-class rate). Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    u.month_start,
    (extract(year from u.month_start) * 100 + extract(month from u.month_start))::int as month_key,
    u.unit_id, u.district_code, u.industry_section_code, u.risk_class_code,
    u.insured_count::bigint                         as contributors,
    u.payroll_base::numeric(18,2)                   as payroll_base,
    u.contribution_income::numeric(16,2)            as contribution_income,
    b.source_batch_id
from {{ ref('int_injury__unit_contribution_month') }} u
join ({{ month_batch() }}) b on b.month_start = u.month_start
where {{ in_months_to_build('u.month_start') }}
