-- Public-institution units per month: district mapped to the current code, unknown codes to their 未知 member.
select
    u.month_start,
    u.unit_id,
    {{ current_district('u.district_code') }}                           as district_code,
    u.district_code                                                     as source_district_code,
    {{ known_code('u.unit_category_code', 'code_unit_category') }}      as unit_category_code,
    {{ known_code('u.funding_type_code', 'code_funding_type', '9') }}   as funding_type_code,
    u.annuity_flag_code = '1'                                           as has_annuity,
    u.unit_status_code = '1'                                            as is_active
from (
    select distinct on (month_start, unit_id) *
    from {{ ref('stg_public_pension__units') }}
    order by month_start, unit_id, batch_id desc
) u
