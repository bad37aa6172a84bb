-- The contribution spells of persons who changed district, age band, industry section or person type (movers),
-- one row per spell with the full attribute tuple: with the steady counts of agg_pension_contributor_spell they
-- give exact 缴费人数 for a set of members of an undrilled dimension (e.g. two districts together) over any
-- contiguous month range (cube/query.py; macros/distinct_spells.sql). Rebuilt whole, like the spell counts.
{{ config(materialized='table', indexes=[{'columns': ['spell_last_month']}]) }}

{{ distinct_mover_spells(ref('agg_pension_contributor_year'), 'person_id',
                         ['district_code', 'gender_code', 'age_band_code', 'industry_section_code', 'person_type']) }}
