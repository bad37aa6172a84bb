-- 缴费人数 over any contiguous month range in milliseconds (cube/cubes/pension.yaml `distinct_aggregates`,
-- type spell_counts): contribution spells (runs of consecutive contributing months) pre-counted per combination
-- of district, gender, age band, industry section and person type (GROUP BY CUBE, `rolled_up` = GROUPING() bits,
-- district the highest). Exact and additive, see macros/distinct_spells.sql. Built from the lossless month masks
-- of agg_pension_contributor_year; rebuilt whole (a new month may extend any spell).
{{ config(materialized='table', indexes=[{'columns': ['rolled_up']}]) }}

{{ distinct_spell_counts(ref('agg_pension_contributor_year'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'industry_section_code', 'person_type'],
                         'contributors') }}
