-- Residents-pension enrolment status per person and month: district mapped to the current code,
-- unknown codes to their 未知 member, age band at the end of the month.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    e.month_start,
    e.person_id,
    {{ current_district('e.district_code') }}                      as district_code,
    e.district_code                                                as source_district_code,
    {{ known_code('e.gender_code', 'code_gender', '9') }}           as gender_code,
    e.birth_date,
    coalesce({{ age_band('e.birth_date', 'e.month_start') }}, 'A9') as age_band_code,
    {{ known_code('e.hukou_type_code', 'code_hukou_type') }}       as hukou_type_code,
    {{ known_code('e.enrol_status_code', 'code_resident_status', '9') }} as enrol_status_code,
    coalesce(rs.is_insured, false)                                 as is_insured,
    e.enrol_status_code = '2'                                      as is_beneficiary,
    case when e.contribution_grade_code is not null
         then {{ known_code('e.contribution_grade_code', 'code_contribution_grade') }} end as contribution_grade_code,
    {{ known_code('e.assisted_group_code', 'code_assisted_group', '9') }} as assisted_group_code,
    e.enrol_date,
    e.benefit_start_date,
    e.paid_years,
    b.source_batch_id
from (
    select distinct on (month_start, person_id) *
    from {{ ref('stg_residents_pension__enrolments') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, batch_id desc
) e
join ({{ month_batch() }}) b using (month_start)
left join {{ ref('code_resident_status') }} rs on rs.code = e.enrol_status_code
