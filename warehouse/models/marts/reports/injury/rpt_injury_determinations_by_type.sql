-- 工伤认定分布(数据挖掘): month × district × injury type × result × severity, combinations present only.
select
    f.month_start, f.month_key, f.district_code,
    f.injury_type_code, f.determination_result_code, f.injury_severity_code,
    count(*)::bigint                                          as determinations,
    sum(f.is_recognised)::bigint                              as recognised,
    sum(f.is_fatal)::bigint                                   as fatal,
    round(avg(f.days_to_determination), 1)::numeric(8,1)      as avg_days_to_determination
from {{ ref('fct_injury_determination') }} f
group by 1, 2, 3, 4, 5, 6
