-- 登记失业人员月度事实(登记 × 月): stock (registered at the 25th) and flows (new, to employment, cancelled).
-- Incremental by month like fct_pension_person_month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.reg_id, i.person_id, i.district_code, i.gender_code, i.age_band_code, i.hukou_type_code, i.education_code,
    i.unemployment_reason_code, i.reg_status_code, i.reg_date, i.end_date, i.registered_months,
    i.is_registered::int::smallint       as is_registered,
    i.is_new_registration::int::smallint as is_new_registration,
    i.is_to_employment::int::smallint    as is_to_employment,
    i.is_cancelled::int::smallint        as is_cancelled,
    i.is_benefit_receiver::int::smallint as is_benefit_receiver,
    i.is_hard_to_employ::int::smallint   as is_hard_to_employ,
    i.has_last_unit::int::smallint       as has_last_unit,
    b.source_batch_id
from {{ ref('int_unemployed_registry__registrations') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
