-- 职工医保个人账户分布(数据挖掘): month × district × person type × age band × gender, combinations present only.
select
    f.month_start, f.month_key, f.district_code, f.person_type_code, f.age_band_code, f.gender_code,
    count(*)::bigint                           as insured,
    sum(f.credit_amount)::numeric(18,2)        as credit_amount,
    sum(f.spent)::numeric(18,2)                as spent,
    sum(f.has_spending)::bigint                as persons_spending,
    sum(f.balance_end)::numeric(18,2)          as balance_end,
    round(sum(f.credit_amount) / count(*), 2)::numeric(14,2) as avg_credit,
    round(sum(f.balance_end) / count(*), 2)::numeric(14,2)   as avg_balance_end
from {{ ref('fct_medical_account_person_month') }} f
group by 1, 2, 3, 4, 5, 6
