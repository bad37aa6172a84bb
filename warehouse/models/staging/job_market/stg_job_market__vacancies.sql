select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    vacancy_id,
    credit_code,
    unit_name,
    district_code,
    industry_section                as industry_section_code,
    occupation_code,
    posts,
    nullif(education_required, '')  as education_required_code,
    wage_min,
    wage_max,
    post_date,
    valid_until,
    _batch_id                       as batch_id
from {{ source('raw_job_market', 'job_market_vacancy') }}
