-- 生育保险待遇支付(人 × 项目 × 支付月份): district mapped, item / delivery type checked; the mother's
-- gender and age band come from her insured status row of the same month ('9' / 'A9' when absent).
with deduped as (
    select distinct on (month_start, person_id, benefit_item_code) *
    from {{ ref('stg_maternity__benefits') }}
    order by month_start, person_id, benefit_item_code, batch_id desc
)
select
    d.month_start,
    d.person_id,
    d.unit_id,
    {{ current_district('d.district_code') }}                          as district_code,
    d.district_code                                                    as source_district_code,
    {{ known_code('d.benefit_item_code', 'code_maternity_item') }}     as benefit_item_code,
    (d.benefit_item_code = '01')                                       as is_allowance,
    case when d.delivery_type_code is null or d.delivery_type_code = '' then null
         else {{ known_code('d.delivery_type_code', 'code_delivery_type', '9') }} end as delivery_type_code,
    d.event_date,
    d.babies,
    d.allowance_days,
    d.allowance_base,
    d.amount,
    d.paid_date,
    coalesce(i.gender_code, '9')                                       as gender_code,
    coalesce(i.age_band_code, 'A9')                                    as age_band_code
from deduped d
left join {{ ref('int_maternity__insured_person_month') }} i
    on i.month_start = d.month_start and i.person_id = d.person_id
