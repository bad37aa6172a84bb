-- 企业养老参保登记按月按人: the columns of each month's registration that the models rebuilt whole read across every
-- month (governance rules, identity resolution, topic libraries), kept here so the raw months can be archived
-- (pipeline/raw_retention.py). Distinct rows: every reader takes distinct values or the first row per key.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select distinct
    p.month_start,
    p.person_id,
    p.id_number,
    p.person_name,
    p.gender_code,
    p.birth_date,
    p.unit_id,
    p.insured_status_code,
    b.source_batch_id
from {{ ref('stg_pension__persons') }} p
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('p.data_month') }}
