-- 生育保险待遇分项(数据挖掘): month × district × benefit item, combinations present only.
select
    f.month_start, f.month_key, f.district_code, f.benefit_item_code,
    count(*)::bigint                                          as beneficiaries,
    sum(f.amount_paid)::numeric(18,2)                         as amount_paid,
    round(sum(f.amount_paid) / count(*), 2)::numeric(14,2)    as avg_amount,
    round(avg(f.days_event_to_payment), 1)::numeric(8,1)      as avg_days_event_to_payment
from {{ ref('fct_maternity_benefit') }} f
group by 1, 2, 3, 4
