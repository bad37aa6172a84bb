-- 收缴固定报表 (综合情况): the month's collection and payments per district across the three pension
-- schemes, from the fund ledger, one row for every district every month (zeros included), with the
-- year-to-date totals over the months of the same year in the warehouse.
with l as (
    select
        month_start, district_code,
        sum(amount) filter (where insurance_type_code = '110' and fund_item_code in ('1101', '1102')) as ent_contribution_income,
        sum(amount) filter (where insurance_type_code = '110' and fund_item_code = '1102')            as ent_arrears_income,
        sum(amount) filter (where insurance_type_code = '110' and direction_code = '2')               as ent_benefit_expenditure,
        sum(amount) filter (where insurance_type_code = '120' and fund_item_code in ('1101', '1102')) as pub_contribution_income,
        sum(amount) filter (where insurance_type_code = '120' and fund_item_code = '1105')            as pub_annuity_income,
        sum(amount) filter (where insurance_type_code = '120' and direction_code = '2')               as pub_benefit_expenditure,
        sum(amount) filter (where insurance_type_code = '170' and fund_item_code = '1101')            as res_personal_contribution,
        sum(amount) filter (where insurance_type_code = '170' and fund_item_code = '1103')            as res_fiscal_subsidy,
        sum(amount) filter (where insurance_type_code = '170' and direction_code = '2')               as res_benefit_expenditure,
        sum(amount) filter (where fund_item_code in ('1101', '1102', '1105'))                        as total_collection
    from {{ ref('fct_dmp_fund_ledger_month') }}
    group by 1, 2
),
grid as (
    select
        m.month_start, m.month_key, m.month_label, m.year, m.district_code, m.district_name, m.district_sort,
        coalesce(l.ent_contribution_income, 0)::numeric(18,2)   as ent_contribution_income,
        coalesce(l.ent_arrears_income, 0)::numeric(18,2)        as ent_arrears_income,
        coalesce(l.ent_benefit_expenditure, 0)::numeric(18,2)   as ent_benefit_expenditure,
        coalesce(l.pub_contribution_income, 0)::numeric(18,2)   as pub_contribution_income,
        coalesce(l.pub_annuity_income, 0)::numeric(18,2)        as pub_annuity_income,
        coalesce(l.pub_benefit_expenditure, 0)::numeric(18,2)   as pub_benefit_expenditure,
        coalesce(l.res_personal_contribution, 0)::numeric(18,2) as res_personal_contribution,
        coalesce(l.res_fiscal_subsidy, 0)::numeric(18,2)        as res_fiscal_subsidy,
        coalesce(l.res_benefit_expenditure, 0)::numeric(18,2)   as res_benefit_expenditure,
        coalesce(l.total_collection, 0)::numeric(18,2)          as total_collection
    from {{ ref('dim_month_district') }} m
    left join l on l.month_start = m.month_start and l.district_code = m.district_code
    where not m.is_unknown_district or l.district_code is not null
)
select
    g.month_start, g.month_key, g.month_label, g.district_code, g.district_name, g.district_sort,
    g.ent_contribution_income, g.ent_arrears_income, g.ent_benefit_expenditure,
    g.pub_contribution_income, g.pub_annuity_income, g.pub_benefit_expenditure,
    g.res_personal_contribution, g.res_fiscal_subsidy, g.res_benefit_expenditure,
    g.total_collection,
    sum(g.total_collection) over (partition by g.district_code, g.year order by g.month_start)::numeric(18,2)
                                                                                 as total_collection_ytd,
    count(*) over (partition by g.district_code, g.year order by g.month_start)::int as ytd_months_in_warehouse,
    round((g.total_collection - pm.total_collection) / nullif(pm.total_collection, 0), 4)::numeric(12,4)
                                                                                 as total_collection_mom,
    round((g.total_collection - py.total_collection) / nullif(py.total_collection, 0), 4)::numeric(12,4)
                                                                                 as total_collection_yoy
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '1 year')::date
