-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    u.month_start,
    u.unit_id,
    {{ current_district('u.district_code') }}                          as district_code,
    {{ known_code('u.industry_section_code', 'code_industry_section') }} as industry_section_code,
    {{ industry_division('u.industry_division_code', 'u.industry_section_code') }} as industry_division_code,
    {{ known_code('u.economic_type_code', 'code_economic_type') }}     as economic_type_code,
    u.unit_status_code = '1'                                           as is_active,
    b.source_batch_id
from {{ ref('stg_pension__units') }} u
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('u.data_month') }}
