-- 城乡居民养老 data mining: insured, beneficiaries, contributors and amounts by age band × gender,
-- per month × district (only combinations that occur).
select
    f.month_start,
    f.district_code,
    f.age_band_code,
    ab.age_band_name,
    ab.band_sort,
    f.gender_code,
    g.gender_name,
    sum(f.is_insured)::bigint                         as insured,
    sum(f.is_beneficiary)::bigint                     as beneficiaries,
    sum(f.is_contributor)::bigint                     as contributors,
    sum(f.personal_contribution)::numeric(18,2)       as personal_contribution,
    sum(f.government_subsidy)::numeric(18,2)          as government_subsidy,
    sum(f.benefit_paid)::numeric(18,2)                as benefit_paid
from {{ ref('fct_residents_pension_person_month') }} f
join {{ ref('dim_age_band') }} ab on ab.age_band_code = f.age_band_code
join {{ ref('dim_gender') }} g on g.gender_code = f.gender_code
group by 1, 2, 3, 4, 5, 6, 7
