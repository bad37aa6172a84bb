-- 企业养老参保登记按月按人: the columns of each month's registration that the models rebuilt whole read across every
-- month (governance rules, identity resolution, topic libraries), kept here so the raw months can be archived
-- (pipeline/raw_retention.py). Distinct rows: every reader takes distinct values or the first row per key.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_distinct_columns('stg_pension__persons', ['month_start', 'person_id', 'id_number', 'person_name',
                                                 'gender_code', 'birth_date', 'unit_id', 'insured_status_code']) }}
