-- 失业保险缴费人数 over any contiguous month range (cube/cubes/unemployment.yaml `distinct_aggregates`, type
-- spell_counts): contribution spells pre-counted per combination of district, gender, age band, hukou type and
-- insured status (GROUP BY CUBE). Exact and additive, see macros/distinct_spells.sql; from the month masks of
-- agg_unemployment_contributor_year, rebuilt whole.
{{ config(materialized='table', indexes=[{'columns': ['rolled_up']}]) }}

{{ distinct_spell_counts(ref('agg_unemployment_contributor_year'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'hukou_type_code', 'insured_status_code'],
                         'contributors') }}
