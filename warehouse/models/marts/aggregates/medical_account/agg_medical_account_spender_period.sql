-- 个人账户支出人数 (distinct persons with spending) per calendar year and quarter × every combination of district,
-- gender, age band and person type (GROUP BY CUBE), from agg_medical_account_spender_year. Incremental per year.
{{ config(materialized='incremental', unique_key='year', incremental_strategy='delete+insert',
          indexes=[{'columns': ['period_grain', 'rolled_up', 'year']}]) }}

{{ distinct_period_counts(ref('agg_medical_account_spender_year'), 'person_id',
                          ['district_code', 'gender_code', 'age_band_code', 'person_type_code'],
                          'spenders') }}
