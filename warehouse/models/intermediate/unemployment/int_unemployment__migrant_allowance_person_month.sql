-- 农民合同制工人一次性生活补助按月: one row per month and person, district mapped.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, person_id) *
    from {{ ref('stg_unemployment__migrant_allowances') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, batch_id desc
)
select
    d.month_start,
    d.person_id,
    {{ current_district('d.district_code') }}                 as district_code,
    d.district_code                                           as source_district_code,
    {{ known_code('d.hukou_type_code', 'code_hukou_type') }}  as hukou_type_code,
    d.unit_id,
    d.contract_end_date,
    d.service_months,
    d.allowance_months,
    d.amount                                                  as allowance_paid,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
