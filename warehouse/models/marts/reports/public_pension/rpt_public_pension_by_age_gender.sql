-- 机关事业单位养老保险 data mining: insured, contributors and amounts by age band × gender × unit category,
-- per month × district (only combinations that occur).
select
    f.month_start,
    f.district_code,
    f.age_band_code,
    ab.age_band_name,
    ab.band_sort,
    f.gender_code,
    g.gender_name,
    f.unit_category_code,
    count(*) filter (where f.person_type = 'active')::bigint   as insured_active,
    count(*) filter (where f.person_type = 'retired')::bigint  as insured_retired,
    sum(f.is_contributor)::bigint                              as contributors,
    sum(f.contribution_income)::numeric(18,2)                  as contribution_income,
    sum(f.annuity_income)::numeric(18,2)                       as annuity_income,
    sum(f.pension_paid)::numeric(18,2)                         as pension_paid
from {{ ref('fct_public_pension_person_month') }} f
join {{ ref('dim_age_band') }} ab on ab.age_band_code = f.age_band_code
join {{ ref('dim_gender') }} g on g.gender_code = f.gender_code
group by 1, 2, 3, 4, 5, 6, 7, 8
