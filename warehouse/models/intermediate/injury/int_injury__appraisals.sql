-- 劳动能力鉴定结论(鉴定 × 鉴定月份): district mapped, grade checked (未知等级 '99'); 评定伤残等级 = 等级不为 00.
with deduped as (
    select distinct on (month_start, appraisal_id) *
    from {{ ref('stg_injury__appraisals') }}
    order by month_start, appraisal_id, batch_id desc
)
select
    d.month_start,
    d.appraisal_id,
    d.case_id,
    d.person_id,
    {{ current_district('d.district_code') }}                             as district_code,
    d.district_code                                                       as source_district_code,
    d.apply_date,
    d.conclusion_date,
    {{ known_code('d.disability_grade_code', 'code_disability_grade') }}  as disability_grade_code,
    (d.disability_grade_code <> '00')                                     as is_disabled,
    case when d.disability_grade_code in ('01', '02', '03', '04') then '1-4'
         when d.disability_grade_code in ('05', '06') then '5-6'
         when d.disability_grade_code in ('07', '08', '09', '10') then '7-10'
         when d.disability_grade_code = '00' then 'none'
         else 'unknown' end                                               as grade_group,
    {{ known_code('d.nursing_level_code', 'code_nursing_level', '9') }}   as nursing_level_code,
    (d.nursing_level_code in ('1', '2', '3'))                             as needs_nursing
from deduped d
