-- 职业介绍成功清洗: one row per placement and month, with the vacancy's occupation / industry and the seeker's
-- type and registering district (left joins: a placement whose vacancy or seeker is missing is kept).
with deduped as (
    select distinct on (month_start, placement_id) *
    from {{ ref('stg_job_market__placements') }}
    order by month_start, placement_id, batch_id desc
)
select
    d.month_start,
    d.placement_id,
    d.seeker_id,
    d.vacancy_id,
    d.person_id,
    d.credit_code,
    {{ current_district('d.district_code') }}                              as district_code,
    d.district_code                                                        as source_district_code,
    coalesce(s.district_code, '999999')                                    as seeker_district_code,
    coalesce(s.seeker_type_code, 'Z')                                      as seeker_type_code,
    coalesce(v.occupation_code, 'ZZ')                                      as occupation_code,
    coalesce(v.industry_section_code, '99')                                as industry_section_code,
    d.placement_date,
    d.agreed_wage,
    (v.vacancy_id is not null)                                             as vacancy_matched,
    (s.seeker_id is not null)                                              as seeker_matched,
    d.batch_id
from deduped d
left join {{ ref('int_job_market__vacancies') }} v on v.month_start = d.month_start and v.vacancy_id = d.vacancy_id
left join {{ ref('int_job_market__seekers') }} s on s.month_start = d.month_start and s.seeker_id = d.seeker_id
