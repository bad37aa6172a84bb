-- 工伤保险待遇结算分项(数据挖掘): month × district × settlement item, combinations present only.
select
    f.month_start, f.month_key, f.district_code, f.settlement_item_code,
    count(distinct f.case_id)::bigint             as settlement_cases,
    sum(f.claimed_amount)::numeric(18,2)          as claimed_amount,
    sum(f.approved_amount)::numeric(18,2)         as approved_amount,
    round(sum(f.approved_amount) / nullif(sum(f.claimed_amount), 0), 4)::numeric(12,4) as approval_ratio,
    round(sum(f.approved_amount) / count(distinct f.case_id), 2)::numeric(14,2)        as approved_per_case
from {{ ref('fct_injury_settlement') }} f
group by 1, 2, 3, 4
