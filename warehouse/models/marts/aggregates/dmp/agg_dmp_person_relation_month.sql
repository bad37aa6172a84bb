-- Pre-aggregate of fct_dmp_person_relation_month for the cube (aggregate awareness, cube/cubes/dmp_person_relation.yaml):
-- month × district × gender × age band × insurance type × relation status, every measure pre-summed. The fact
-- has one row per person, insurance type and month, so each flag summed is a count of relations. Incremental
-- like the fact (same interface, same months): a rebuilt month's rows are all replaced.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_preaggregate(ref('fct_dmp_person_relation_month'),
                     ['district_code', 'gender_code', 'age_band_code', 'insurance_type_code', 'relation_status_code'],
                     [['insured', 'is_insured', 'bigint'],
                      ['active', 'is_active', 'bigint'],
                      ['retired', 'is_retired', 'bigint'],
                      ['new_relations', 'is_new_relation', 'bigint'],
                      ['ended', 'is_ended', 'bigint']]) }}
