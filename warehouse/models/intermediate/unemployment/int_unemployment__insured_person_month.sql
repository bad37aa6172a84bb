-- 失业保险参保人员月度状态: one row per month and person (the newest batch wins a duplicate),
-- districts mapped to current codes, unknown codes to the 未知 members (kept, never dropped).
-- The shape shared by the insured-person models: macros/person_month.sql.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ insured_person_month('stg_unemployment__insured_persons',
                         [known_code('d.hukou_type_code', 'code_hukou_type') ~ ' as hukou_type_code']) }}
