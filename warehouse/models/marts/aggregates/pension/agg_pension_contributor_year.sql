-- 缴费人数 over month ranges, exactly and fast (cube/cubes/pension.yaml `distinct_aggregates`): one row per
-- contributing person × calendar year × attribute tuple (district, gender, age band, industry section, person
-- type) with the 12-bit mask of the months the person contributed with that tuple. About a twelfth of the
-- fact's rows, and lossless for contributors: count(distinct person_id) over any months (the mask) and any
-- cuts of these attributes equals the count over fct_pension_person_month. See macros/distinct_periods.sql.
-- Incremental per year: a year is rebuilt when one of its months has a newer load batch (delete+insert).
{{ config(materialized='incremental', unique_key='year', incremental_strategy='delete+insert',
          indexes=[{'columns': ['year', 'source_batch_id']}]) }}
{#- Same interfaces as the fact (staged_relations walks through it), so both rebuild the same months in one run. -#}

{{ distinct_year_bitmask(ref('fct_pension_person_month'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'industry_section_code', 'person_type'],
                         'f.is_contributor = 1') }}
