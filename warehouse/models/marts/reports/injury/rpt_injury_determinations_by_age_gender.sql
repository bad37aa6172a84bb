-- 工伤认定人员分布(数据挖掘): month × district × age band × gender, combinations present only.
select
    f.month_start, f.month_key, f.district_code, f.age_band_code, f.gender_code,
    count(*)::bigint             as determinations,
    sum(f.is_recognised)::bigint as recognised,
    sum(f.is_fatal)::bigint      as fatal
from {{ ref('fct_injury_determination') }} f
group by 1, 2, 3, 4, 5
