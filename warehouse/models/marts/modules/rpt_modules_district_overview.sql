-- 综合情况 (区县宏观): every insurance of a district on one row per month — the district rows of each
-- insurance's overview mart side by side, and the month's collection from the 收缴固定报表 mart. Every
-- district every month (zeros included); the Beijing row (110000) of the source marts is not repeated here:
-- the dashboards total the district rows.
with pension as (
    select month_start, district_code, insured_total, contributors, contribution_income, pension_paid
    from {{ ref('rpt_pension_overview') }}
),
public_pension as (
    select month_start, district_code, insured_total, contribution_income, pension_paid
    from {{ ref('rpt_public_pension_overview') }}
),
residents as (
    select month_start, district_code, insured, beneficiaries, contribution_total, benefit_paid
    from {{ ref('rpt_residents_pension_overview') }}
),
unemployment as (
    select month_start, district_code, insured, contribution_income, benefit_recipients, benefit_paid
    from {{ ref('rpt_unemployment_overview') }}
),
injury as (
    select month_start, district_code, insured, contribution_income, settlement_paid
    from {{ ref('rpt_injury_overview') }}
),
maternity as (
    select month_start, district_code, insured, contribution_income
    from {{ ref('rpt_maternity_overview') }}
),
collection as (
    select month_start, district_code, total_collection, total_collection_ytd
    from {{ ref('rpt_dmp_collection_fixed_report') }}
)
select
    m.month_start,
    m.month_key,
    m.month_label,
    m.district_code,
    m.district_name,
    m.district_sort,
    coalesce(p.insured_total, 0)::bigint            as ent_pension_insured,
    coalesce(p.contributors, 0)::bigint             as ent_pension_contributors,
    coalesce(p.contribution_income, 0)::numeric(18,2) as ent_pension_income,
    coalesce(p.pension_paid, 0)::numeric(18,2)      as ent_pension_paid,
    coalesce(pp.insured_total, 0)::bigint           as pub_pension_insured,
    coalesce(pp.contribution_income, 0)::numeric(18,2) as pub_pension_income,
    coalesce(pp.pension_paid, 0)::numeric(18,2)     as pub_pension_paid,
    coalesce(r.insured, 0)::bigint                  as res_pension_insured,
    coalesce(r.beneficiaries, 0)::bigint            as res_pension_beneficiaries,
    coalesce(r.contribution_total, 0)::numeric(18,2) as res_pension_income,
    coalesce(r.benefit_paid, 0)::numeric(18,2)      as res_pension_paid,
    coalesce(u.insured, 0)::bigint                  as unemp_insured,
    coalesce(u.contribution_income, 0)::numeric(18,2) as unemp_income,
    coalesce(u.benefit_recipients, 0)::bigint       as unemp_recipients,
    coalesce(u.benefit_paid, 0)::numeric(18,2)      as unemp_paid,
    coalesce(i.insured, 0)::bigint                  as injury_insured,
    coalesce(i.contribution_income, 0)::numeric(18,2) as injury_income,
    coalesce(i.settlement_paid, 0)::numeric(18,2)   as injury_paid,
    coalesce(mt.insured, 0)::bigint                 as maternity_insured,
    coalesce(mt.contribution_income, 0)::numeric(18,2) as maternity_income,
    coalesce(c.total_collection, 0)::numeric(18,2)  as total_collection,
    coalesce(c.total_collection_ytd, 0)::numeric(18,2) as total_collection_ytd,
    (coalesce(p.insured_total, 0) + coalesce(pp.insured_total, 0) + coalesce(r.insured, 0))::bigint
                                                    as pension_insured_all
from {{ ref('dim_month_district') }} m
left join pension p on p.month_start = m.month_start and p.district_code = m.district_code
left join public_pension pp on pp.month_start = m.month_start and pp.district_code = m.district_code
left join residents r on r.month_start = m.month_start and r.district_code = m.district_code
left join unemployment u on u.month_start = m.month_start and u.district_code = m.district_code
left join injury i on i.month_start = m.month_start and i.district_code = m.district_code
left join maternity mt on mt.month_start = m.month_start and mt.district_code = m.district_code
left join collection c on c.month_start = m.month_start and c.district_code = m.district_code
where not m.is_unknown_district
   or coalesce(p.district_code, pp.district_code, r.district_code, u.district_code, i.district_code,
               mt.district_code) is not null
