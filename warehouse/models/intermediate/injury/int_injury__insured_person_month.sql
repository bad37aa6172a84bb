-- 工伤保险参保人员月度状态: one row per month and person, districts mapped, unknown codes to 未知.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, person_id) *
    from {{ ref('stg_injury__insured_persons') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, batch_id desc
)
select
    d.month_start,
    d.person_id,
    {{ current_district('d.district_code') }}                  as district_code,
    d.district_code                                            as source_district_code,
    {{ known_code('d.gender_code', 'code_gender', '9') }}      as gender_code,
    d.birth_date,
    coalesce({{ age_band('d.birth_date', 'd.month_start') }}, 'A9') as age_band_code,
    d.unit_id,
    d.first_insured_date,
    d.insured_status_code,
    coalesce((select s.is_insured from {{ ref('code_insured_status') }} s
              where s.code = d.insured_status_code), false)    as is_insured,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
