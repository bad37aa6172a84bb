-- 失业保险金领取分布(数据挖掘): month × district × gender × contribution-year tier × entitled months,
-- combinations present only.
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    case when f.contribution_years < 5 then '01' when f.contribution_years < 10 then '02'
         when f.contribution_years < 15 then '03' when f.contribution_years < 20 then '04'
         else '05' end                                           as contribution_year_tier,
    f.entitled_months,
    count(*)::bigint                                             as benefit_recipients,
    sum(f.is_new_claimant)::bigint                               as new_claimants,
    sum(f.amount_paid)::numeric(18,2)                            as benefit_paid,
    round(sum(f.amount_paid) / count(*), 2)::numeric(14,2)       as avg_benefit,
    round(avg(f.month_no), 2)::numeric(8,2)                      as avg_month_no
from {{ ref('fct_unemployment_benefit_month') }} f
where f.benefit_type = 'unemployment_benefit'
group by 1, 2, 3, 4, 5, 6
