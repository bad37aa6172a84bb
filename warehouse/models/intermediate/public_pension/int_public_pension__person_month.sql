-- Insured persons of the public-institution pension per month: active (正常缴费 / 暂停缴费) and
-- retirees (incl. those who died in the month, still paid), one row per person and month.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with active as (
    select p.month_start, p.person_id, 'active'::text as person_type,
           p.district_code as source_district_code, p.gender_code, p.birth_date,
           p.unit_id, p.post_type_code, p.insured_status_code, null::date as retire_date
    from {{ ref('stg_public_pension__persons') }} p
    where {{ in_months_to_build('p.data_month') }}
      and p.insured_status_code in (select code from {{ ref('code_insured_status') }} where is_insured)
),
retired as (
    select r.month_start, r.person_id, 'retired'::text,
           r.district_code, r.gender_code, r.birth_date,
           r.unit_id, null::varchar, null::varchar, r.retire_date
    from {{ ref('stg_public_pension__retirees') }} r
    where {{ in_months_to_build('r.data_month') }}
),
-- A person in both files in one month is counted once, as retired (the later state).
deduped as (
    select distinct on (month_start, person_id) *
    from (select * from active union all select * from retired) x
    order by month_start, person_id, (person_type = 'retired') desc
)
select
    d.month_start,
    d.person_id,
    d.person_type,
    {{ person_month_attributes('d', 'source_district_code') }},
    d.unit_id,
    coalesce(u.unit_category_code, '99')                   as unit_category_code,
    d.post_type_code,
    d.insured_status_code,
    d.retire_date,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
left join {{ ref('int_public_pension__unit_month') }} u
    on u.month_start = d.month_start and u.unit_id = d.unit_id
