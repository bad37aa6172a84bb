-- Residents-pension benefit payments per person and month.
select
    month_start,
    person_id,
    {{ current_district('max(district_code)') }}  as district_code,
    sum(basic_amount)                              as basic_pension_paid,
    sum(account_amount)                            as account_pension_paid,
    sum(refund_amount)                             as refund_paid,
    sum(total_amount)                              as benefit_paid
from {{ ref('stg_residents_pension__payments') }}
group by month_start, person_id
