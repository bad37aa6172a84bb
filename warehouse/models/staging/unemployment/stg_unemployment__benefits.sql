select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    gender              as gender_code,
    district_code,
    claim_date,
    contribution_years,
    entitled_months,
    month_no,
    amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_unemployment', 'unemp_benefit') }}
