-- Pre-aggregate of fct_pension_person_month for the cube (aggregate awareness, cube/cubes/pension.yaml):
-- month × district × gender × age band × industry (section, division) × person type, every additive measure
-- pre-summed.
-- `contributors` = sum(is_contributor): exact as a distinct count of persons only WITHIN one month (the fact
-- has one row per person and month); over several months the cube goes back to the fact.
-- Incremental like the fact (same interfaces, same months): a rebuilt month's rows are all replaced.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{#- Same interfaces as the fact (staged_relations walks through it), so both rebuild the same months in one run. -#}

{{ month_preaggregate(ref('fct_pension_person_month'),
                     ['district_code', 'gender_code', 'age_band_code', 'industry_section_code', 'industry_division_code', 'person_type'],
                     [['contributors', 'is_contributor', 'bigint'],
                      ['contribution_base', 'contribution_base', 'numeric(18,2)'],
                      ['contribution_income', 'contribution_income', 'numeric(18,2)'],
                      ['pension_paid', 'pension_paid', 'numeric(18,2)'],
                      ['basic_pension_paid', 'basic_pension_paid', 'numeric(18,2)']]) }}
