select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    unit_id,
    district_code,
    benefit_item        as benefit_item_code,
    event_date,
    delivery_type       as delivery_type_code,
    babies,
    allowance_days,
    allowance_base,
    amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_maternity', 'maternity_benefit') }}
