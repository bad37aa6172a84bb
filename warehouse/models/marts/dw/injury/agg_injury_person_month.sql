-- Pre-aggregate of fct_injury_person_month for the cube (aggregate awareness, cube/cubes/injury_insured.yaml):
-- month × district × gender × age band × insured status, insured persons and person records pre-counted (the
-- fact has one row per person and month). Incremental like the fact: a rebuilt month's rows are all replaced.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set staged = [ref('stg_injury__insured_persons')] %}

select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    f.age_band_code,
    f.insured_status_code,
    count(*)::bigint            as fact_rows,
    sum(f.is_insured)::bigint   as insured,
    b.source_batch_id
from {{ ref('fct_injury_person_month') }} f
join ({{ month_batch(staged) }}) b on b.month_start = f.month_start
where {{ in_months_to_build(staged, 'f.month_start') }}
group by f.month_start, f.month_key, f.district_code, f.gender_code, f.age_band_code, f.insured_status_code,
         b.source_batch_id
