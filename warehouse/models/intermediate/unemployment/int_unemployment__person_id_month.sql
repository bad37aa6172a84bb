-- 失业保险参保人员编号与身份证号按月对照: which ID number each person number carried in each month's register, read
-- across every month by 失业查社保专题库 (its contributions joined to ID numbers), kept here so the raw months can be
-- archived (pipeline/raw_retention.py).
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_distinct_columns('stg_unemployment__insured_persons', ['month_start', 'person_id', 'id_number']) }}
