select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    person_id,
    district_code,
    contribution_year,
    contribution_grade  as contribution_grade_code,
    personal_amount,
    subsidy_amount,
    coalesce(assisted_amount, 0) as assisted_amount,
    paid_date,
    _batch_id           as batch_id
from {{ source('raw_residents_pension', 'residents_pension_contribution') }}
