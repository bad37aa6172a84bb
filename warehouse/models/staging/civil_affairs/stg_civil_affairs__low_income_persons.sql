-- 低保、特困、低收入困难群体人员信息: typed, renamed view of raw.civil_low_income (ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns() }},
    assist_type as assist_type_code,
    district_code,
    start_date,
    family_size,
    monthly_amount,
    _batch_id as batch_id
from {{ source('raw_civil_affairs', 'civil_low_income') }}
