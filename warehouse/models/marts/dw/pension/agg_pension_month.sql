-- Pre-aggregate of fct_pension_person_month for the cube (aggregate awareness, cube/cubes/pension.yaml):
-- month × district × gender × age band × industry (section, division) × person type, every additive measure
-- pre-summed.
-- `contributors` = sum(is_contributor): exact as a distinct count of persons only WITHIN one month (the fact
-- has one row per person and month); over several months the cube goes back to the fact.
-- Incremental like the fact: a month is (re)built when the fact's source_batch_id for it is newer than
-- the one stored here, and all its rows are replaced (delete+insert on month_start).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert') }}

with fact_months as (
    select f.month_start, max(f.source_batch_id) as source_batch_id
    from {{ ref('fct_pension_person_month') }} f
    group by 1
),
months as (
    select m.month_start, m.source_batch_id
    from fact_months m
    {%- if is_incremental() %}
    where m.source_batch_id > coalesce(
        (select max(t.source_batch_id) from {{ this }} t where t.month_start = m.month_start), 0)
    {%- endif %}
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
group by f.month_start, f.month_key, f.district_code, f.gender_code, f.age_band_code,
         f.industry_section_code, f.industry_division_code, f.person_type, m.source_batch_id
