-- 社会保险基金收支 (财务预算): month × district × insurance type, income and spending by fund item,
-- every district every month for every insurance type in the ledger (zeros included).
with f as (
    select
        month_start, district_code, insurance_type_code,
        sum(amount) filter (where fund_item_code = '1101')   as basic_contribution_income,
        sum(amount) filter (where fund_item_code = '1102')   as arrears_income,
        sum(amount) filter (where fund_item_code = '1103')   as fiscal_subsidy_income,
        sum(amount) filter (where fund_item_code = '1104')   as interest_income,
        sum(amount) filter (where fund_item_code = '1105')   as annuity_income,
        sum(income_amount)                                   as total_income,
        sum(amount) filter (where fund_item_code = '2101')   as pension_expenditure,
        sum(amount) filter (where fund_item_code = '2102')   as back_pay_expenditure,
        sum(amount) filter (where fund_item_code = '2103')   as funeral_expenditure,
        sum(amount) filter (where fund_item_code = '2104')   as refund_expenditure,
        sum(expenditure_amount)                              as total_expenditure,
        sum(record_count) filter (where fund_item_code in ('1101', '1102')) as contribution_records
    from {{ ref('fct_dmp_fund_ledger_month') }}
    group by 1, 2, 3
),
types as (select distinct insurance_type_code from {{ ref('fct_dmp_fund_ledger_month') }}),
grid as (
    select
        m.month_start, m.month_key, m.month_label, m.district_code, m.district_name, m.district_sort,
        t.insurance_type_code, coalesce(it.name, '未知') as insurance_type_name,
        coalesce(f.basic_contribution_income, 0)::numeric(18,2) as basic_contribution_income,
        coalesce(f.arrears_income, 0)::numeric(18,2)            as arrears_income,
        coalesce(f.fiscal_subsidy_income, 0)::numeric(18,2)     as fiscal_subsidy_income,
        coalesce(f.interest_income, 0)::numeric(18,2)           as interest_income,
        coalesce(f.annuity_income, 0)::numeric(18,2)            as annuity_income,
        coalesce(f.total_income, 0)::numeric(18,2)              as total_income,
        coalesce(f.pension_expenditure, 0)::numeric(18,2)       as pension_expenditure,
        coalesce(f.back_pay_expenditure, 0)::numeric(18,2)      as back_pay_expenditure,
        coalesce(f.funeral_expenditure, 0)::numeric(18,2)       as funeral_expenditure,
        coalesce(f.refund_expenditure, 0)::numeric(18,2)        as refund_expenditure,
        coalesce(f.total_expenditure, 0)::numeric(18,2)         as total_expenditure,
        coalesce(f.contribution_records, 0)::bigint             as contribution_records
    from {{ ref('dim_month_district') }} m
    cross join types t
    left join {{ ref('code_insurance_type') }} it on it.code = t.insurance_type_code
    left join f on f.month_start = m.month_start and f.district_code = m.district_code
               and f.insurance_type_code = t.insurance_type_code
    where not m.is_unknown_district
       or exists (select 1 from f f2 where f2.month_start = m.month_start and f2.district_code = m.district_code)
)
select
    g.*,
    (g.total_income - g.total_expenditure)::numeric(18,2)                                 as net_balance,
    round(g.total_income / nullif(g.total_expenditure, 0), 4)::numeric(12,4)             as income_expenditure_ratio,
    round((g.total_income - pm.total_income) / nullif(pm.total_income, 0), 4)::numeric(12,4) as total_income_mom,
    round((g.total_income - py.total_income) / nullif(py.total_income, 0), 4)::numeric(12,4) as total_income_yoy,
    round((g.total_expenditure - pm.total_expenditure) / nullif(pm.total_expenditure, 0), 4)::numeric(12,4)
                                                                                           as total_expenditure_mom,
    round((g.total_expenditure - py.total_expenditure) / nullif(py.total_expenditure, 0), 4)::numeric(12,4)
                                                                                           as total_expenditure_yoy
from grid g
left join grid pm on pm.district_code = g.district_code and pm.insurance_type_code = g.insurance_type_code
                 and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.insurance_type_code = g.insurance_type_code
                 and py.month_start = (g.month_start - interval '1 year')::date
