-- 登记失业人员结构(数据挖掘): month × district × gender × age band × education × reason × hukou, only the
-- combinations that occur; sums over the categories equal rpt_unemployed_registry_overview.
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    coalesce(g.gender_name, '未知')                 as gender_name,
    f.age_band_code,
    coalesce(ab.age_band_name, '未知')              as age_band_name,
    f.education_code,
    coalesce(ed.name, '未知')                       as education_name,
    f.unemployment_reason_code,
    coalesce(rs.name, '未知')                       as unemployment_reason_name,
    coalesce(rs.from_employment, false)             as reason_from_employment,
    f.hukou_type_code,
    coalesce(hk.name, '未知')                       as hukou_type_name,
    sum(f.is_registered)::bigint                    as registered,
    sum(f.is_new_registration)::bigint              as new_registrations,
    sum(f.is_to_employment)::bigint                 as to_employment,
    sum(f.is_cancelled)::bigint                     as cancelled,
    sum(f.is_benefit_receiver)::bigint              as benefit_receivers,
    sum(f.is_hard_to_employ)::bigint                as hard_to_employ,
    sum(f.registered_months) filter (where f.is_registered = 1)::bigint as registered_months_sum
from {{ ref('fct_unemployed_registry_month') }} f
left join {{ ref('dim_gender') }} g on g.gender_code = f.gender_code
left join {{ ref('dim_age_band') }} ab on ab.age_band_code = f.age_band_code
-- the HR code seeds are loaded with integer codes: compare as zero-padded text
left join {{ ref('code_education_level') }} ed on lpad(ed.code::text, 2, '0') = f.education_code
left join {{ ref('code_unemployment_reason') }} rs on lpad(rs.code::text, 2, '0') = f.unemployment_reason_code
left join {{ ref('code_hukou_type') }} hk on hk.code = f.hukou_type_code
group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
