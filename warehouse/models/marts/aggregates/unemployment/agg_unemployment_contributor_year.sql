-- 失业保险缴费人数 over month ranges (cube/cubes/unemployment.yaml `distinct_aggregates`): contributing person ×
-- calendar year × (district, gender, age band, hukou type, insured status) with the 12-bit mask of the months
-- contributed with that tuple. See macros/distinct_periods.sql. Incremental per year.
{{ config(materialized='incremental', unique_key='year', incremental_strategy='delete+insert',
          indexes=[{'columns': ['year', 'source_batch_id']}]) }}

{{ distinct_year_bitmask(ref('fct_unemployment_person_month'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'hukou_type_code', 'insured_status_code'],
                         'f.is_contributor = 1') }}
