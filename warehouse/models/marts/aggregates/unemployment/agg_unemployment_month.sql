-- Pre-aggregate of fct_unemployment_person_month for the cube (aggregate awareness, cube/cubes/unemployment.yaml):
-- month × district × gender × age band × hukou type × insured status, every additive measure pre-summed.
-- `contributors` = sum(is_contributor): exact as a distinct count only WITHIN one month (one fact row per person
-- and month); longer periods: agg_unemployment_contributor_period / _year. Incremental like the fact.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_preaggregate(ref('fct_unemployment_person_month'),
                     ['district_code', 'gender_code', 'age_band_code', 'hukou_type_code', 'insured_status_code'],
                     [['insured', 'is_insured', 'bigint'],
                      ['contributors', 'is_contributor', 'bigint'],
                      ['contribution_base', 'contribution_base', 'numeric(18,2)'],
                      ['contribution_income', 'contribution_income', 'numeric(18,2)'],
                      ['arrears_income', 'arrears_income', 'numeric(18,2)']]) }}
