-- 企业养老缴费按到账月份、人员与缴费单位汇总: what the models rebuilt whole read of every month's contributions by
-- unit (G02, G05, 技能提升补贴专题库), kept here so the raw months can be archived (pipeline/raw_retention.py).
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    c.month_start,
    c.person_id,
    c.unit_id,
    sum(c.employer_amount + c.employee_amount) as contribution_amount,
    max(c.contribution_base)                   as max_contribution_base,
    b.source_batch_id
from {{ ref('stg_pension__contributions') }} c
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('c.data_month') }}
group by c.month_start, c.person_id, c.unit_id, b.source_batch_id
