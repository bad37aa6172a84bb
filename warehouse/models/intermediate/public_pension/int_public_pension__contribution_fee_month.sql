-- 机关事业养老缴费按人、到账月份和费款所属期汇总(含补缴往月): what G07 reads of every month's contributions, kept
-- here so the raw months can be archived (pipeline/raw_retention.py). Incremental by arrival month
-- (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ contribution_fee_month('stg_public_pension__contributions') }}
