select
    u.month_start,
    u.unit_id,
    {{ current_district('u.district_code') }}                          as district_code,
    {{ known_code('u.industry_section_code', 'code_industry_section') }} as industry_section_code,
    {{ known_code('u.economic_type_code', 'code_economic_type') }}     as economic_type_code,
    u.unit_status_code = '1'                                           as is_active
from {{ ref('stg_pension__units') }} u
