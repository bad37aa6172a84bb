select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    unit_id,
    credit_code,
    unit_name,
    district_code,
    industry_section    as industry_section_code,
    industry_division   as industry_division_code,
    economic_type       as economic_type_code,
    open_date,
    unit_status         as unit_status_code,
    staff_count,
    _batch_id           as batch_id
from {{ source('raw_pension', 'ent_pension_unit') }}
