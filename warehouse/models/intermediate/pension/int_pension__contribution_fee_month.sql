-- Contributions per person, arrival month and fee month (费款所属期): what a fee month received from each
-- delivery, back pay of earlier fee months included. Incremental by arrival month (macros/incremental_months.sql);
-- indexed on the fee month, so a model that needs every contribution of a fee month (topic_data_services__
-- person_insurance_month) reads those rows instead of every month of the raw contributions.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index() + [{'columns': ['fee_month_start']}]) }}

{{ contribution_fee_month('stg_pension__contributions') }}
