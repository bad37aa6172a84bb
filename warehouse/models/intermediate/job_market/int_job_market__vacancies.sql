-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 招聘岗位清洗: one row per vacancy and month; district mapped, unknown codes to the unknown member.
with deduped as (
    select distinct on (month_start, vacancy_id) *
    from {{ ref('stg_job_market__vacancies') }}
    order by month_start, vacancy_id, batch_id desc
)
select
    d.month_start,
    d.vacancy_id,
    d.credit_code,
    {{ current_district('d.district_code') }}                              as district_code,
    d.district_code                                                        as source_district_code,
    {{ known_code('d.industry_section_code', 'code_industry_section') }}   as industry_section_code,
    {{ known_code('d.occupation_code', 'code_occupation', 'ZZ') }}         as occupation_code,
    case when exists (select 1 from {{ ref('code_education_level') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.education_required_code)
         then d.education_required_code else 'ZZ' end as education_required_code,
    coalesce(d.posts, 0)                                                   as posts,
    d.wage_min,
    d.wage_max,
    d.post_date,
    d.valid_until,
    d.batch_id
from deduped d
