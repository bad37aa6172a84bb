-- Which fee months (费款所属期) each arrival month's contributions paid for, in every version of the month ever
-- built (append-only: a re-delivered month adds the fee months of its new version and keeps those of the one it
-- replaced). topic_data_services__person_insurance_month rebuilds these fee months when an arrival month changes,
-- including the months a replaced version paid for and the new one no longer does (macros/person_insurance_month.sql).
{{ config(materialized='incremental', incremental_strategy='append', indexes=month_batch_index()) }}

{{ contribution_fee_months_seen('int_unemployment__contribution_fee_month') }}
