-- 工伤保险待遇审核结算(案件 × 项目 × 结算月份): district mapped, item checked (未知项目 '99').
with deduped as (
    select distinct on (month_start, case_id, settlement_item_code) *
    from {{ ref('stg_injury__settlements') }}
    order by month_start, case_id, settlement_item_code, batch_id desc
)
select
    d.month_start,
    d.case_id,
    d.person_id,
    {{ current_district('d.district_code') }}                           as district_code,
    d.district_code                                                     as source_district_code,
    {{ known_code('d.settlement_item_code', 'code_settlement_item') }}  as settlement_item_code,
    d.claimed_amount,
    d.approved_amount,
    d.settle_date
from deduped d
