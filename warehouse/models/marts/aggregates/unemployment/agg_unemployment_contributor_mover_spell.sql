-- The contribution spells of unemployment-insurance contributors whose attributes changed (movers), one row per
-- spell: with the steady counts of agg_unemployment_contributor_spell, exact 缴费人数 for sets of members of an
-- undrilled dimension over any contiguous month range (macros/distinct_spells.sql). Rebuilt whole.
{{ config(materialized='table', indexes=[{'columns': ['spell_last_month']}]) }}

{{ distinct_mover_spells(ref('agg_unemployment_contributor_year'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'hukou_type_code', 'insured_status_code']) }}
