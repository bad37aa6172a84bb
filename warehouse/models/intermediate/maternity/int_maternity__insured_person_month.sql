-- 生育保险参保人员月度状态: one row per month and person, districts mapped, unknown codes to 未知.
-- The shape shared by the insured-person models: macros/person_month.sql.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ insured_person_month('stg_maternity__insured_persons') }}
