-- 个人账户支出人数 over month ranges (cube/cubes/medical_account.yaml `distinct_aggregates`): person with
-- spending × calendar year × (district, gender, age band, person type) with the 12-bit mask of the months with
-- spending. See macros/distinct_periods.sql. Incremental per year.
{{ config(materialized='incremental', unique_key='year', incremental_strategy='delete+insert',
          indexes=[{'columns': ['year', 'source_batch_id']}]) }}

{{ distinct_year_bitmask(ref('fct_medical_account_person_month'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'person_type_code'],
                         'f.has_spending = 1') }}
