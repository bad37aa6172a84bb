-- 失业保险缴费人数 (distinct persons) per calendar year and quarter × every combination of district, gender, age
-- band, hukou type and insured status (GROUP BY CUBE), from agg_unemployment_contributor_year. Incremental per year.
{{ config(materialized='incremental', unique_key='year', incremental_strategy='delete+insert',
          indexes=[{'columns': ['period_grain', 'rolled_up', 'year']}]) }}

{{ distinct_period_counts(ref('agg_unemployment_contributor_year'), 'person_id',
                          ['district_code', 'gender_code', 'age_band_code', 'hukou_type_code', 'insured_status_code'],
                          'contributors') }}
