-- 失业保险参保缴费分布(数据挖掘): month × district × age band × gender × hukou type, combinations present only.
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.age_band_code,
    f.gender_code,
    f.hukou_type_code,
    sum(f.is_insured)::bigint                              as insured,
    sum(f.is_contributor)::bigint                          as contributors,
    sum(f.contribution_base)::numeric(18,2)                as contribution_base,
    sum(f.contribution_income)::numeric(18,2)              as contribution_income,
    round(sum(f.contribution_base) / nullif(sum(f.is_contributor), 0), 2)::numeric(14,2) as avg_contribution_base
from {{ ref('fct_unemployment_person_month') }} f
group by f.month_start, f.month_key, f.district_code, f.age_band_code, f.gender_code, f.hukou_type_code
