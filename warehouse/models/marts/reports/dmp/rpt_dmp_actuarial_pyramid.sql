-- 统计精算 age × gender pyramid: month × insurance type × single age × gender (only cells that occur),
-- with the age band for roll-up and signed values for a pyramid chart (men negative).
select
    c.month_start,
    c.month_key,
    c.insurance_type_code,
    coalesce(it.name, '未知')                          as insurance_type_name,
    c.age,
    c.age_band_code,
    ab.age_band_name,
    ab.band_sort,
    c.gender_code,
    g.gender_name,
    c.active_count,
    c.retired_count,
    (c.active_count + c.retired_count)::bigint         as insured_count,
    c.contributors,
    c.new_retirees,
    c.deaths,
    c.contribution_total,
    c.pension_total,
    round(c.pension_total / nullif(c.retired_count, 0), 2)::numeric(14,2) as avg_pension,
    (case when c.gender_code = '1' then -1 else 1 end * (c.active_count + c.retired_count))::bigint
                                                       as pyramid_value
from {{ ref('fct_dmp_actuarial_cohort') }} c
join {{ ref('dim_age_band') }} ab on ab.age_band_code = c.age_band_code
join {{ ref('dim_gender') }} g on g.gender_code = c.gender_code
left join {{ ref('code_insurance_type') }} it on it.code = c.insurance_type_code
