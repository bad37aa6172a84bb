-- Pre-aggregate of fct_dmp_person_relation_month for the cube (aggregate awareness, cube/cubes/dmp_person_relation.yaml):
-- month × district × gender × age band × insurance type × relation status, every measure pre-summed. The fact
-- has one row per person, insurance type and month, so each flag summed is a count of relations. Incremental
-- like the fact (same interface, same months): a rebuilt month's rows are all replaced.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set staged = [ref('stg_dmp__person_relations')] %}

select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    f.age_band_code,
    f.insurance_type_code,
    f.relation_status_code,
    count(*)::bigint                 as fact_rows,
    sum(f.is_insured)::bigint        as insured,
    sum(f.is_active)::bigint         as active,
    sum(f.is_retired)::bigint        as retired,
    sum(f.is_new_relation)::bigint   as new_relations,
    sum(f.is_ended)::bigint          as ended,
    b.source_batch_id
from {{ ref('fct_dmp_person_relation_month') }} f
join ({{ month_batch(staged) }}) b on b.month_start = f.month_start
where {{ in_months_to_build(staged, 'f.month_start') }}
group by f.month_start, f.month_key, f.district_code, f.gender_code, f.age_band_code, f.insurance_type_code,
         f.relation_status_code, b.source_batch_id
