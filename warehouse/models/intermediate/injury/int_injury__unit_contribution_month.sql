-- 工伤保险单位缴费按单位按到账月份(同一单位多个所属期合并), district / industry / risk class mapped.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, unit_id, fee_month_start) *
    from {{ ref('stg_injury__unit_contributions') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, unit_id, fee_month_start, batch_id desc
),
unit_month as (
    select
        month_start,
        unit_id,
        (array_agg(district_code order by fee_month_start desc))[1]         as source_district_code,
        (array_agg(industry_section_code order by fee_month_start desc))[1] as industry_section_code,
        (array_agg(risk_class_code order by fee_month_start desc))[1]       as risk_class_code,
        sum(insured_count)                                                  as insured_count,
        sum(payroll_base)                                                   as payroll_base,
        sum(amount)                                                         as contribution_income,
        count(*)                                                            as contribution_rows
    from deduped
    group by month_start, unit_id
)
select
    u.month_start,
    u.unit_id,
    {{ current_district('u.source_district_code') }}                      as district_code,
    u.source_district_code,
    {{ known_code('u.industry_section_code', 'code_industry_section') }}  as industry_section_code,
    {{ known_code('u.risk_class_code', 'code_risk_class', '9') }}         as risk_class_code,
    u.insured_count,
    u.payroll_base,
    u.contribution_income,
    u.contribution_rows,
    b.source_batch_id
from unit_month u
join ({{ month_batch() }}) b using (month_start)
