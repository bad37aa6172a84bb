-- 机关事业养老离退休人员登记按月按人: the columns of each month's register that G01 and identity resolution read
-- across every month, kept here so the raw months can be archived (pipeline/raw_retention.py). Distinct rows.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_distinct_columns('stg_public_pension__retirees',
                          ['month_start', 'person_id', 'id_number', 'person_name', 'gender_code', 'birth_date']) }}
