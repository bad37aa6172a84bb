-- Pre-aggregate of fct_unemployment_person_month for the cube (aggregate awareness, cube/cubes/unemployment.yaml):
-- month × district × gender × age band × hukou type × insured status, every additive measure pre-summed.
-- `contributors` = sum(is_contributor): exact as a distinct count only WITHIN one month (one fact row per person
-- and month); longer periods: agg_unemployment_contributor_period / _year. Incremental like the fact.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set staged = [ref('stg_unemployment__insured_persons'), ref('stg_unemployment__contributions')] %}

with months as (
    {{ month_batch(staged) }}
)
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    f.age_band_code,
    f.hukou_type_code,
    f.insured_status_code,
    count(*)::bigint                                as fact_rows,
    sum(f.is_insured)::bigint                       as insured,
    sum(f.is_contributor)::bigint                   as contributors,
    sum(f.contribution_base)::numeric(18,2)         as contribution_base,
    sum(f.contribution_income)::numeric(18,2)       as contribution_income,
    sum(f.arrears_income)::numeric(18,2)            as arrears_income,
    m.source_batch_id
from {{ ref('fct_unemployment_person_month') }} f
join months m on m.month_start = f.month_start
where {{ in_months_to_build(staged, 'f.month_start') }}
group by f.month_start, f.month_key, f.district_code, f.gender_code, f.age_band_code, f.hukou_type_code,
         f.insured_status_code, m.source_batch_id
