-- 农民合同制工人一次性生活补助按月: one row per month and person, district mapped.
with deduped as (
    select distinct on (month_start, person_id) *
    from {{ ref('stg_unemployment__migrant_allowances') }}
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
    d.amount                                                  as allowance_paid
from deduped d
