-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 培训班清洗: one row per course running in the month; district of the training institution mapped.
with deduped as (
    select distinct on (month_start, course_id) *
    from {{ ref('stg_training__courses') }}
    order by month_start, course_id, batch_id desc
)
select
    d.month_start,
    d.course_id,
    d.institution_credit_code,
    {{ current_district('d.district_code') }}                              as district_code,
    d.district_code                                                        as source_district_code,
    case when exists (select 1 from {{ ref('code_training_type') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.training_type_code)
         then d.training_type_code else 'Z' end   as training_type_code,
    {{ known_code('d.occupation_code', 'code_occupation', 'ZZ') }}         as occupation_code,
    case when exists (select 1 from {{ ref('code_skill_level') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.skill_level_code)
         then d.skill_level_code else 'Z' end       as skill_level_code,
    d.start_date,
    d.end_date,
    (date_trunc('month', d.start_date) = d.month_start)                    as is_started,
    (date_trunc('month', d.end_date) = d.month_start)                      as is_ending,
    d.class_hours,
    d.enrolled,
    d.subsidy_standard,
    d.batch_id
from deduped d
