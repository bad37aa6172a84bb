select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    hukou_type          as hukou_type_code,
    unit_id,
    district_code,
    contract_end_date,
    service_months,
    allowance_months,
    amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_unemployment', 'unemp_migrant_allowance') }}
