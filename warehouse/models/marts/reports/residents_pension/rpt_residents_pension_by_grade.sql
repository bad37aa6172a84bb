-- 城乡居民养老 contributions by contribution grade × assisted group, per month × district
-- (contributors of the month only; only combinations that occur).
select
    f.month_start,
    f.district_code,
    coalesce(f.contribution_grade_code, '99')           as contribution_grade_code,
    coalesce(cg.name, '未知')                           as contribution_grade_name,
    f.assisted_group_code,
    coalesce(ag.name, '未知')                           as assisted_group_name,
    sum(f.is_contributor)::bigint                       as contributors,
    sum(f.personal_contribution)::numeric(18,2)         as personal_contribution,
    sum(f.subsidy_amount)::numeric(18,2)                as subsidy_amount,
    sum(f.assisted_amount)::numeric(18,2)               as assisted_amount,
    sum(f.government_subsidy)::numeric(18,2)            as government_subsidy
from {{ ref('fct_residents_pension_person_month') }} f
left join {{ ref('code_contribution_grade') }} cg on cg.code = f.contribution_grade_code
left join {{ ref('code_assisted_group') }} ag on ag.code = f.assisted_group_code
where f.is_contributor = 1
group by 1, 2, 3, 4, 5, 6
