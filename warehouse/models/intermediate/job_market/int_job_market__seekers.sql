-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 求职登记清洗: one row per seeker registration and month.
with deduped as (
    select distinct on (month_start, seeker_id) *
    from {{ ref('stg_job_market__seekers') }}
    order by month_start, seeker_id, batch_id desc
)
select
    d.month_start,
    d.seeker_id,
    d.person_id,
    {{ current_district('d.district_code') }}                              as district_code,
    d.district_code                                                        as source_district_code,
    {{ known_code('d.gender_code', 'code_gender', '9') }}                  as gender_code,
    coalesce({{ age_band('d.birth_date', 'd.month_start') }}, 'A9')        as age_band_code,
    {{ known_code('d.hukou_type_code', 'code_hukou_type', 'ZZ') }}         as hukou_type_code,
    case when exists (select 1 from {{ ref('code_education_level') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.education_code)
         then d.education_code else 'ZZ' end     as education_code,
    case when exists (select 1 from {{ ref('code_job_seeker_type') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.seeker_type_code)
         then d.seeker_type_code else 'Z' end    as seeker_type_code,
    {{ known_code('d.desired_occupation_code', 'code_occupation', 'ZZ') }} as desired_occupation_code,
    d.expected_wage,
    d.reg_date,
    d.batch_id
from deduped d
