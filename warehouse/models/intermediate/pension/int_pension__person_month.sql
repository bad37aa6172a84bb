-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with active as (
    select
        p.month_start, p.person_id, 'active'::text as person_type,
        p.district_code as source_district_code, p.gender_code, p.birth_date,
        p.unit_id, p.insured_status_code
    from {{ ref('stg_pension__persons') }} p
    where {{ in_months_to_build('p.data_month') }}
      and p.insured_status_code in (select code from {{ ref('code_insured_status') }} where is_insured)
),
retired as (
    select
        r.month_start, r.person_id, 'retired'::text as person_type,
        r.district_code as source_district_code, r.gender_code, r.birth_date,
        null::varchar as unit_id, null::varchar as insured_status_code
    from {{ ref('stg_pension__retirees') }} r
    where {{ in_months_to_build('r.data_month') }}
),
unioned as (
    select * from active
    union all
    select * from retired
),
-- A person both retired and active in one month is counted once, as retired (the later state).
deduped as (
    select distinct on (month_start, person_id) *
    from unioned
    order by month_start, person_id, (person_type = 'retired') desc
)
select
    d.month_start,
    d.person_id,
    d.person_type,
    {{ person_month_attributes('d', 'source_district_code') }},
    d.unit_id,
    u.industry_section_code,
    u.industry_division_code,
    d.insured_status_code,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
left join {{ ref('int_pension__unit_month') }} u
    on u.month_start = d.month_start and u.unit_id = d.unit_id
