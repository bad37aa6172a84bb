select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    placement_id,
    seeker_id,
    vacancy_id,
    person_id,
    credit_code,
    district_code,
    placement_date,
    agreed_wage,
    _batch_id                       as batch_id
from {{ source('raw_job_market', 'job_market_placement') }}
