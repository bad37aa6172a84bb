-- 生育津贴享受人员分布(数据挖掘): month × district × delivery type × mother's age band (生育津贴 rows only).
select
    f.month_start, f.month_key, f.district_code,
    coalesce(f.delivery_type_code, '9')                          as delivery_type_code,
    f.age_band_code,
    count(*)::bigint                                             as allowance_recipients,
    coalesce(sum(f.babies), 0)::bigint                           as babies,
    coalesce(sum(f.allowance_days), 0)::bigint                   as allowance_days,
    sum(f.amount_paid)::numeric(18,2)                            as allowance_paid,
    round(sum(f.amount_paid) / count(*), 2)::numeric(14,2)       as avg_allowance
from {{ ref('fct_maternity_benefit') }} f
where f.is_allowance = 1
group by 1, 2, 3, 4, 5
