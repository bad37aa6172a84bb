-- 北京市法人基础信息(工商、民政、编办、税务整合): typed, renamed view of raw.legal_person_basic with the daily state raw.legal_person_basic_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    credit_code,
    org_code,
    unit_name,
    legal_form as legal_form_code,
    district_code,
    industry_section as industry_section_code,
    register_date,
    deregister_date,
    unit_status as unit_status_code,
    tax_paid_last_year,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_legal_person', 'legal_person_basic'), source('raw_legal_person', 'legal_person_basic_daily'), ['credit_code'], 'snapshot') }}
