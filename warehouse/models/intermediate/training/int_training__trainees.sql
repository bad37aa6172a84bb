-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 培训学员清洗: one row per trainee, course and month, with the course's district and type of that month
-- (a trainee whose course is missing from the month's course file is kept under the unknown district).
with deduped as (
    select distinct on (month_start, course_id, person_id) *
    from {{ ref('stg_training__trainees') }}
    order by month_start, course_id, person_id, batch_id desc
)
select
    d.month_start,
    d.course_id,
    d.person_id,
    coalesce(c.district_code, '999999')                                    as district_code,
    coalesce(c.training_type_code, 'Z')                                    as training_type_code,
    {{ known_code('d.gender_code', 'code_gender', '9') }}                  as gender_code,
    coalesce({{ age_band('d.birth_date', 'd.month_start') }}, 'A9')        as age_band_code,
    {{ known_code('d.hukou_type_code', 'code_hukou_type', 'ZZ') }}         as hukou_type_code,
    case when exists (select 1 from {{ ref('code_trainee_type') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.trainee_type_code)
         then d.trainee_type_code else 'Z' end      as trainee_type_code,
    case when exists (select 1 from {{ ref('code_training_completion') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.completion_status_code)
         then d.completion_status_code else 'Z' end as completion_status_code,
    d.enroll_date,
    d.status_date,
    coalesce(c.is_started, false)                                          as is_enrolled_this_month,
    (d.completion_status_code = '1')                                       as is_in_training,
    (d.completion_status_code = '2')                                       as is_passed,
    (d.completion_status_code = '3')                                       as is_failed,
    (d.completion_status_code = '4')                                       as is_dropped,
    (d.certificate_no is not null)                                         as has_certificate,
    d.certificate_level_code,
    (c.course_id is not null)                                              as course_matched,
    d.batch_id
from deduped d
left join {{ ref('int_training__courses') }} c on c.month_start = d.month_start and c.course_id = d.course_id
