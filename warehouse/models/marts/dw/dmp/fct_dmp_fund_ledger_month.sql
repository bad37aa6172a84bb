-- Fund income and spending per month × insurance type × district × fund item, from the DMP fund ledger.
-- Incremental by month: a month is rebuilt when its ledger extract carries a newer load batch.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with l as (select * from {{ ref('int_dmp__fund_ledger') }} where {{ in_months_to_build('month_start') }})
select
    l.month_start,
    (extract(year from l.month_start) * 100 + extract(month from l.month_start))::int as month_key,
    l.insurance_type_code,
    l.district_code,
    l.fund_item_code,
    max(l.direction_code)                                                        as direction_code,
    max(l.budget_item_code)                                                      as budget_item_code,
    coalesce(sum(l.amount) filter (where l.direction_code = '1'), 0)::numeric(18,2) as income_amount,
    coalesce(sum(l.amount) filter (where l.direction_code = '2'), 0)::numeric(18,2) as expenditure_amount,
    sum(l.amount)::numeric(18,2)                                                 as amount,
    sum(l.record_count)::bigint                                                  as record_count,
    max(b.source_batch_id)                                                       as source_batch_id
from l
join ({{ month_batch() }}) b on b.month_start = l.month_start
group by l.month_start, l.insurance_type_code, l.district_code, l.fund_item_code
