-- spenders over months with a gap as a sum (cube `distinct_aggregates`, type pattern_counts): persons counted per
-- combination of district_code, gender_code, age_band_code, person_type_code (GROUP BY CUBE, `rolled_up` = GROUPING() bits, first the highest) and per
-- month pattern (bigint, one per 64-month window). See macros/distinct_patterns.sql. Built from the lossless month
-- masks of agg_medical_account_spender_year; rebuilt whole (a new month changes most patterns).
{{ config(materialized='table', indexes=[{'columns': ['window_no', 'rolled_up']}]) }}

{{ distinct_pattern_counts(ref('agg_medical_account_spender_year'), 'person_id',
                           ['district_code', 'gender_code', 'age_band_code', 'person_type_code'],
                           'spenders') }}
