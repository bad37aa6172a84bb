-- 工伤认定结论(案件 × 认定月份): district mapped, codes checked, age band at the determination month.
with deduped as (
    select distinct on (month_start, case_id) *
    from {{ ref('stg_injury__determinations') }}
    order by month_start, case_id, batch_id desc
)
select
    d.month_start,
    d.case_id,
    d.person_id,
    d.unit_id,
    {{ current_district('d.district_code') }}                                 as district_code,
    d.district_code                                                           as source_district_code,
    {{ known_code('d.gender_code', 'code_gender', '9') }}                     as gender_code,
    coalesce({{ age_band('d.birth_date', 'd.month_start') }}, 'A9')           as age_band_code,
    d.accident_date,
    d.apply_date,
    d.determination_date,
    (d.determination_date - d.apply_date)                                     as days_to_determination,
    {{ known_code('d.determination_result_code', 'code_determination_result', '9') }} as determination_result_code,
    coalesce((select r.is_recognised from {{ ref('code_determination_result') }} r
              where r.code = d.determination_result_code), false)             as is_recognised,
    {{ known_code('d.injury_type_code', 'code_injury_type') }}                as injury_type_code,
    {{ known_code('d.injury_severity_code', 'code_injury_severity', '9') }}   as injury_severity_code,
    (d.injury_severity_code = '3')                                            as is_fatal
from deduped d
