-- Pre-aggregate of fct_injury_person_month for the cube (aggregate awareness, cube/cubes/injury_insured.yaml):
-- month × district × gender × age band × insured status, insured persons and person records pre-counted (the
-- fact has one row per person and month). Incremental like the fact: a rebuilt month's rows are all replaced.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_preaggregate(ref('fct_injury_person_month'),
                     ['district_code', 'gender_code', 'age_band_code', 'insured_status_code'],
                     [['insured', 'is_insured', 'bigint']]) }}
