-- 职工医保个人账户统计概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
with agg as (
    select month_start, district_code,
           count(*) filter (where is_retired = 0)                       as insured_active,
           count(*) filter (where is_retired = 1)                       as insured_retired,
           coalesce(sum(credit_amount) filter (where is_retired = 0), 0) as credit_active,
           coalesce(sum(credit_amount) filter (where is_retired = 1), 0) as credit_retired,
           sum(has_credit)                                              as persons_credited,
           sum(spend_outpatient)                                        as spend_outpatient,
           sum(spend_pharmacy)                                          as spend_pharmacy,
           sum(spent)                                                   as spent,
           sum(has_spending)                                            as persons_spending,
           sum(balance_begin)                                           as balance_begin,
           sum(balance_end)                                             as balance_end
    from {{ ref('fct_medical_account_person_month') }} group by 1, 2
),
grid_districts as (
    select
        m.month_start, m.month_key, m.month_label,
        m.district_code, m.district_name, m.district_sort,
        coalesce(a.insured_active, 0)::bigint                                   as insured_active,
        coalesce(a.insured_retired, 0)::bigint                                  as insured_retired,
        (coalesce(a.insured_active, 0) + coalesce(a.insured_retired, 0))::bigint as insured_total,
        coalesce(a.credit_active, 0)::numeric(18,2)                             as credit_active,
        coalesce(a.credit_retired, 0)::numeric(18,2)                            as credit_retired,
        (coalesce(a.credit_active, 0) + coalesce(a.credit_retired, 0))::numeric(18,2) as credit_total,
        coalesce(a.persons_credited, 0)::bigint                                 as persons_credited,
        coalesce(a.spend_outpatient, 0)::numeric(18,2)                          as spend_outpatient,
        coalesce(a.spend_pharmacy, 0)::numeric(18,2)                            as spend_pharmacy,
        coalesce(a.spent, 0)::numeric(18,2)                                     as spent,
        coalesce(a.persons_spending, 0)::bigint                                 as persons_spending,
        coalesce(a.balance_begin, 0)::numeric(18,2)                             as balance_begin,
        coalesce(a.balance_end, 0)::numeric(18,2)                               as balance_end
    from {{ ref('dim_month_district') }} m
    left join agg a on a.month_start = m.month_start and a.district_code = m.district_code
    where not m.is_unknown_district or a.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['insured_active:bigint', 'insured_retired:bigint', 'insured_total:bigint', 'credit_active:numeric(18,2)', 'credit_retired:numeric(18,2)', 'credit_total:numeric(18,2)', 'persons_credited:bigint', 'spend_outpatient:numeric(18,2)', 'spend_pharmacy:numeric(18,2)', 'spent:numeric(18,2)', 'persons_spending:bigint', 'balance_begin:numeric(18,2)', 'balance_end:numeric(18,2)']) }}
)
select
    g.*,
    round(g.credit_active / nullif(g.insured_active, 0), 2)::numeric(14,2)       as avg_credit_active,
    round(g.credit_retired / nullif(g.insured_retired, 0), 2)::numeric(14,2)     as avg_credit_retired,
    round(g.spent / nullif(g.persons_spending, 0), 2)::numeric(14,2)             as avg_spent_per_spender,
    round(g.balance_end / nullif(g.insured_total, 0), 2)::numeric(14,2)          as avg_balance_end,
    round(g.persons_spending::numeric / nullif(g.insured_total, 0), 4)::numeric(12,4) as spending_rate,
    round(g.spend_pharmacy / nullif(g.spent, 0), 4)::numeric(12,4)               as pharmacy_share,
    round((g.insured_total - pm.insured_total)::numeric / nullif(pm.insured_total, 0), 4)::numeric(12,4) as insured_total_mom_growth,
    round((g.insured_total - py.insured_total)::numeric / nullif(py.insured_total, 0), 4)::numeric(12,4) as insured_total_yoy_growth,
    round((g.spent - pm.spent) / nullif(pm.spent, 0), 4)::numeric(12,4)                 as spent_mom_growth,
    round((g.spent - py.spent) / nullif(py.spent, 0), 4)::numeric(12,4)                 as spent_yoy_growth,
    round((g.balance_end - pm.balance_end) / nullif(pm.balance_end, 0), 4)::numeric(12,4) as balance_end_mom_growth,
    round((g.balance_end - py.balance_end) / nullif(py.balance_end, 0), 4)::numeric(12,4) as balance_end_yoy_growth
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '12 months')::date
