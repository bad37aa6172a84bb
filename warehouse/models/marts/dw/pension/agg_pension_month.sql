-- Pre-aggregate of fct_pension_person_month for the cube (aggregate awareness, cube/cubes/pension.yaml):
-- month × district × gender × age band × industry (section, division) × person type, every additive measure
-- pre-summed.
-- `contributors` = sum(is_contributor): exact as a distinct count of persons only WITHIN one month (the fact
-- has one row per person and month); over several months the cube goes back to the fact.
-- Incremental like the fact (same interfaces, same months): a rebuilt month's rows are all replaced.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{#- The same interfaces as the fact, so both rebuild the same months in one run. -#}
{%- set staged = [ref('stg_pension__persons'), ref('stg_pension__retirees'), ref('stg_pension__contributions'),
                  ref('stg_pension__payments'), ref('stg_pension__units')] %}

with months as (
    {{ month_batch(staged) }}
)
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    f.age_band_code,
    f.industry_section_code,
    f.industry_division_code,
    f.person_type,
    count(*)::bigint                                as fact_rows,
    sum(f.is_contributor)::bigint                   as contributors,
    sum(f.contribution_base)::numeric(18,2)         as contribution_base,
    sum(f.contribution_income)::numeric(18,2)       as contribution_income,
    sum(f.pension_paid)::numeric(18,2)              as pension_paid,
    m.source_batch_id
from {{ ref('fct_pension_person_month') }} f
join months m on m.month_start = f.month_start
where {{ in_months_to_build(staged, 'f.month_start') }}
group by f.month_start, f.month_key, f.district_code, f.gender_code, f.age_band_code,
         f.industry_section_code, f.industry_division_code, f.person_type, m.source_batch_id
