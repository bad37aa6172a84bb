-- 城乡居民基本养老保险概览: one row per month × district, every district every month (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
with agg as (
    select
        month_start,
        district_code,
        sum(is_insured)                                   as insured,
        count(*) filter (where enrol_status_code = '1')   as contributing_status,
        count(*) filter (where enrol_status_code = '3')   as suspended,
        sum(is_beneficiary)                               as beneficiaries,
        sum(is_contributor)                               as contributors,
        sum(is_paid)                                      as paid_persons,
        sum(personal_contribution)                        as personal_contribution,
        sum(subsidy_amount)                               as subsidy_amount,
        sum(assisted_amount)                              as assisted_amount,
        sum(government_subsidy)                           as government_subsidy,
        sum(basic_pension_paid)                           as basic_pension_paid,
        sum(account_pension_paid)                         as account_pension_paid,
        sum(refund_paid)                                  as refund_paid,
        sum(benefit_paid)                                 as benefit_paid
    from {{ ref('fct_residents_pension_person_month') }}
    group by month_start, district_code
),
grid_districts as (
    select
        m.month_start, m.month_key, m.month_label, m.district_code, m.district_name, m.district_sort,
        coalesce(a.insured, 0)::bigint                       as insured,
        coalesce(a.contributing_status, 0)::bigint           as insured_contributing,
        coalesce(a.suspended, 0)::bigint                     as insured_suspended,
        coalesce(a.beneficiaries, 0)::bigint                 as beneficiaries,
        coalesce(a.contributors, 0)::bigint                  as contributors,
        coalesce(a.paid_persons, 0)::bigint                  as paid_persons,
        coalesce(a.personal_contribution, 0)::numeric(18,2)  as personal_contribution,
        coalesce(a.subsidy_amount, 0)::numeric(18,2)         as subsidy_amount,
        coalesce(a.assisted_amount, 0)::numeric(18,2)        as assisted_amount,
        coalesce(a.government_subsidy, 0)::numeric(18,2)     as government_subsidy,
        coalesce(a.basic_pension_paid, 0)::numeric(18,2)     as basic_pension_paid,
        coalesce(a.account_pension_paid, 0)::numeric(18,2)   as account_pension_paid,
        coalesce(a.refund_paid, 0)::numeric(18,2)            as refund_paid,
        coalesce(a.benefit_paid, 0)::numeric(18,2)           as benefit_paid
    from {{ ref('dim_month_district') }} m
    left join agg a on a.month_start = m.month_start and a.district_code = m.district_code
    where not m.is_unknown_district or a.district_code is not null
),
grid as (
    select * from grid_districts
    union all
    {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                     ['insured:bigint', 'insured_contributing:bigint', 'insured_suspended:bigint', 'beneficiaries:bigint', 'contributors:bigint', 'paid_persons:bigint', 'personal_contribution:numeric(18,2)', 'subsidy_amount:numeric(18,2)', 'assisted_amount:numeric(18,2)', 'government_subsidy:numeric(18,2)', 'basic_pension_paid:numeric(18,2)', 'account_pension_paid:numeric(18,2)', 'refund_paid:numeric(18,2)', 'benefit_paid:numeric(18,2)']) }}
)
select
    g.*,
    (g.personal_contribution + g.government_subsidy)::numeric(18,2)                      as contribution_total,
    round((g.personal_contribution + g.government_subsidy) / nullif(g.contributors, 0), 2)::numeric(14,2)
                                                                                           as avg_contribution,
    round((g.basic_pension_paid + g.account_pension_paid) / nullif(g.paid_persons, 0), 2)::numeric(14,2)
                                                                                           as avg_monthly_benefit,
    round(g.beneficiaries::numeric / nullif(g.insured, 0), 4)::numeric(10,4)              as beneficiary_share,
    round((g.insured - pm.insured)::numeric / nullif(pm.insured, 0), 4)::numeric(10,4)    as insured_mom,
    round((g.insured - py.insured)::numeric / nullif(py.insured, 0), 4)::numeric(10,4)    as insured_yoy,
    round((g.benefit_paid - pm.benefit_paid) / nullif(pm.benefit_paid, 0), 4)::numeric(10,4) as benefit_paid_mom,
    round((g.benefit_paid - py.benefit_paid) / nullif(py.benefit_paid, 0), 4)::numeric(10,4) as benefit_paid_yoy
from grid g
left join grid pm on pm.district_code = g.district_code and pm.month_start = (g.month_start - interval '1 month')::date
left join grid py on py.district_code = g.district_code and py.month_start = (g.month_start - interval '1 year')::date
