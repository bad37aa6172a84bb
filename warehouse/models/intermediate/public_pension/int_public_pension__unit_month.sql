-- Public-institution units per month: district mapped to the current code, unknown codes to their 未知 member.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    u.month_start,
    u.unit_id,
    {{ current_district('u.district_code') }}                           as district_code,
    u.district_code                                                     as source_district_code,
    {{ known_code('u.unit_category_code', 'code_unit_category') }}      as unit_category_code,
    {{ known_code('u.funding_type_code', 'code_funding_type', '9') }}   as funding_type_code,
    u.annuity_flag_code = '1'                                           as has_annuity,
    u.unit_status_code = '1'                                            as is_active,
    b.source_batch_id
from (
    select distinct on (month_start, unit_id) *
    from {{ ref('stg_public_pension__units') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, unit_id, batch_id desc
) u
join ({{ month_batch() }}) b using (month_start)
