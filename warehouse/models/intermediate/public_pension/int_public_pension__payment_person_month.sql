-- Benefit payments per person and month, split by payment item.
select
    month_start,
    person_id,
    sum(amount)                                                 as pension_paid,
    coalesce(sum(amount) filter (where payment_item_code = '01'), 0) as basic_pension_paid,
    coalesce(sum(amount) filter (where payment_item_code = '02'), 0) as back_pay_paid,
    coalesce(sum(amount) filter (where payment_item_code = '03'), 0) as funeral_grant_paid,
    coalesce(sum(amount) filter (where payment_item_code not in ('01', '02', '03')), 0) as other_paid
from {{ ref('stg_public_pension__payments') }}
group by month_start, person_id
