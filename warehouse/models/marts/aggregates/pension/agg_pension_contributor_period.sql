-- 缴费人数 (distinct contributing persons) per calendar year and quarter for every combination of district,
-- gender, age band, industry section and person type (GROUP BY CUBE; `rolled_up` = GROUPING() bits, district
-- the highest, 1 = summed over). The cube answers a year or quarter question with point cuts from here in
-- milliseconds (cube/query.py); other ranges read agg_pension_contributor_year. See macros/distinct_periods.sql.
-- Incremental per year, after agg_pension_contributor_year: only years with a newer batch are recomputed.
{{ config(materialized='incremental', unique_key='year', incremental_strategy='delete+insert',
          indexes=[{'columns': ['period_grain', 'rolled_up', 'year']}]) }}

{{ distinct_period_counts(ref('agg_pension_contributor_year'), 'person_id',
                          ['district_code', 'gender_code', 'age_band_code', 'industry_section_code', 'person_type'],
                          'contributors') }}
