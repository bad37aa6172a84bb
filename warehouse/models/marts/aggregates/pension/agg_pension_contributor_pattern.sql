-- 缴费人数 over months with a gap (month:202401;202411, year:2024|!month:202406) as a sum (cube/cubes/pension.yaml
-- `distinct_aggregates`, type pattern_counts): persons counted per combination of district, gender, age band,
-- industry section and person type (GROUP BY CUBE, `rolled_up` = GROUPING() bits, district the highest) and per
-- full-history month pattern (bigint, one per 64-month window). See macros/distinct_patterns.sql. Built from the
-- lossless month masks of agg_pension_contributor_year; rebuilt whole (a new month changes most patterns).
{{ config(materialized='table', indexes=[{'columns': ['window_no', 'rolled_up']}]) }}

{{ distinct_pattern_counts(ref('agg_pension_contributor_year'), 'person_id',
                           ['district_code', 'gender_code', 'age_band_code', 'industry_section_code', 'person_type'],
                           'contributors') }}
