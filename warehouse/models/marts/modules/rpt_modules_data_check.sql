-- 人社部数据核查 (区县宏观): the ministry's data check — the business backup database (DMP) against the
-- statistics built from the interface files, per month × district × check item: the two values, their
-- difference and whether they agree. Items: insured and retired persons of the three pension schemes
-- (DMP 参保关系 vs the schemes' person-month facts) and their collection (DMP 基金收支明细账 vs the
-- contributions received in the interface files). Every district every month, zeros included.
with dmp_rel as (
    select month_start, district_code, insurance_type_code, relations_insured, relations_retired
    from {{ ref('rpt_dmp_relation_summary') }}
),
fixed as (
    select month_start, district_code, ent_contribution_income, pub_contribution_income, res_personal_contribution
    from {{ ref('rpt_dmp_collection_fixed_report') }}
),
pension as (
    select month_start, district_code, insured_total, insured_retired, contribution_income
    from {{ ref('rpt_pension_overview') }}
),
public_pension as (
    select month_start, district_code, insured_total, insured_retired, contribution_income
    from {{ ref('rpt_public_pension_overview') }}
),
residents as (
    select month_start, district_code, insured, beneficiaries, personal_contribution
    from {{ ref('rpt_residents_pension_overview') }}
),
pairs as (
    select m.month_start, m.district_code, v.*
    from {{ ref('dim_month_district') }} m
    left join dmp_rel r110 on r110.month_start = m.month_start and r110.district_code = m.district_code
                          and r110.insurance_type_code = '110'
    left join dmp_rel r120 on r120.month_start = m.month_start and r120.district_code = m.district_code
                          and r120.insurance_type_code = '120'
    left join dmp_rel r170 on r170.month_start = m.month_start and r170.district_code = m.district_code
                          and r170.insurance_type_code = '170'
    left join fixed f on f.month_start = m.month_start and f.district_code = m.district_code
    left join pension p on p.month_start = m.month_start and p.district_code = m.district_code
    left join public_pension pp on pp.month_start = m.month_start and pp.district_code = m.district_code
    left join residents rs on rs.month_start = m.month_start and rs.district_code = m.district_code
    cross join lateral (values
        ('C01', '企业职工养老保险参保人数', '110', '人', r110.relations_insured::numeric, p.insured_total::numeric),
        ('C02', '企业职工养老保险离退休人数', '110', '人', r110.relations_retired::numeric, p.insured_retired::numeric),
        ('C03', '企业职工养老保险征缴收入', '110', '元', f.ent_contribution_income, p.contribution_income),
        ('C04', '机关事业单位养老保险参保人数', '120', '人', r120.relations_insured::numeric, pp.insured_total::numeric),
        ('C05', '机关事业单位养老保险离退休人数', '120', '人', r120.relations_retired::numeric, pp.insured_retired::numeric),
        ('C06', '机关事业单位养老保险征缴收入', '120', '元', f.pub_contribution_income, pp.contribution_income),
        ('C07', '城乡居民养老保险参保人数', '170', '人', r170.relations_insured::numeric, rs.insured::numeric),
        ('C08', '城乡居民养老保险待遇领取人数', '170', '人', r170.relations_retired::numeric, rs.beneficiaries::numeric),
        ('C09', '城乡居民养老保险个人缴费收入', '170', '元', f.res_personal_contribution, rs.personal_contribution)
    ) as v(check_code, check_name, insurance_type_code, unit, dmp_value, interface_value)
    where not m.is_unknown_district
       or coalesce(r110.district_code, r120.district_code, r170.district_code, p.district_code,
                   pp.district_code, rs.district_code) is not null
)
select
    p.month_start,
    m.month_key,
    m.month_label,
    p.district_code,
    d.district_name,
    d.district_sort,
    p.check_code,
    p.check_name,
    p.insurance_type_code,
    coalesce(it.name, '未知')                                          as insurance_type_name,
    p.unit,
    coalesce(p.dmp_value, 0)::numeric(18,2)                           as dmp_value,
    coalesce(p.interface_value, 0)::numeric(18,2)                     as interface_value,
    (coalesce(p.dmp_value, 0) - coalesce(p.interface_value, 0))::numeric(18,2) as difference,
    (coalesce(p.dmp_value, 0) = coalesce(p.interface_value, 0))::int  as is_consistent,
    (coalesce(p.dmp_value, 0) <> coalesce(p.interface_value, 0))::int as is_discrepant,
    round((coalesce(p.dmp_value, 0) - coalesce(p.interface_value, 0))
          / nullif(coalesce(p.interface_value, 0), 0), 6)::numeric(14,6) as difference_rate
from pairs p
join {{ ref('dim_month') }} m on m.month_start = p.month_start
join {{ ref('dim_district') }} d on d.district_code = p.district_code
left join {{ ref('code_insurance_type') }} it on it.code = p.insurance_type_code
