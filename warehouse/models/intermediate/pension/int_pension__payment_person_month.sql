select
    month_start,
    person_id,
    sum(amount) as pension_paid
from {{ ref('stg_pension__payments') }}
group by month_start, person_id
