-- 数据挖掘分析 / 社保查询 (宏观决策, 区县宏观): per insurance, month × district × gender × age band — persons
-- insured, receiving benefits, contributing, the month's contributions and benefits, and the flows against the
-- previous month (persons newly insured, persons no longer insured; empty when the previous month is not in
-- the warehouse). Built from the person-month facts of five insurances; only aggregates leave this model.
-- A row counts where the person is insured or money moved: a contribution or payment without a status row that month
-- (pension person_type 'unmatched', e.g. the registration row was rejected at load) or by a person not insured that
-- month keeps its income / payment and its contributor / beneficiary flag in the month's totals, as the insurances'
-- overviews do (the sums_match tests below), but is not counted as insured and makes no entry or exit. Such rows
-- carry the fact's unknown gender / age band (9 / A9) where the status row is missing.
with person_month as (
    select '110'::text as insurance_type_code, month_start, person_id, district_code, gender_code, age_band_code,
           (person_type in ('active', 'retired'))::int as is_insured, (person_type = 'retired')::int as is_beneficiary,
           is_contributor::int as is_contributor,
           coalesce(contribution_income, 0) as contribution_income, coalesce(pension_paid, 0) as benefit_paid
    from {{ ref('fct_pension_person_month') }}
    where person_type in ('active', 'retired') or contribution_income <> 0 or pension_paid <> 0
    union all
    select '120', month_start, person_id, district_code, gender_code, age_band_code,
           (person_type in ('active', 'retired'))::int, (person_type = 'retired')::int, is_contributor::int,
           coalesce(contribution_income, 0), coalesce(pension_paid, 0)
    from {{ ref('fct_public_pension_person_month') }}
    where person_type in ('active', 'retired') or contribution_income <> 0 or pension_paid <> 0
    union all
    select '170', month_start, person_id, district_code, gender_code, age_band_code,
           is_insured::int, is_beneficiary::int, is_contributor::int,
           coalesce(personal_contribution, 0), coalesce(basic_pension_paid, 0) + coalesce(account_pension_paid, 0)
    from {{ ref('fct_residents_pension_person_month') }}
    where is_insured = 1 or is_beneficiary = 1 or is_contributor = 1 or personal_contribution <> 0
       or basic_pension_paid <> 0 or account_pension_paid <> 0
    union all
    select '210', month_start, person_id, district_code, gender_code, age_band_code,
           is_insured::int, 0, is_contributor::int, coalesce(contribution_income, 0), 0
    from {{ ref('fct_unemployment_person_month') }}
    where is_insured = 1 or is_contributor = 1 or contribution_income <> 0
    union all
    select '410', month_start, person_id, district_code, gender_code, age_band_code,
           is_insured::int, 0, 0, 0, 0
    from {{ ref('fct_injury_person_month') }}
    where is_insured = 1
),
loaded as (
    select distinct insurance_type_code, month_start from person_month
),
stocks as (
    select insurance_type_code, month_start, district_code, gender_code, age_band_code,
           sum(is_insured)          as insured,
           sum(is_beneficiary)      as beneficiaries,
           sum(is_contributor)      as contributors,
           sum(contribution_income) as contribution_income,
           sum(benefit_paid)        as benefit_paid
    from person_month
    group by 1, 2, 3, 4, 5
),
-- Flows from each person's own sequence of insured months (one sort, no self-join): insured this month and not in
-- the previous month (which is in the warehouse) = an entry here; insured this month and not in the next month
-- (which is in the warehouse) = an exit counted in the next month, where the person was. (A correlated NOT EXISTS
-- over the CTE was planned as a merge anti-join on insurance × month with person_id as a filter: quadratic per month,
-- minutes at scale 0.001 and hours at the demo scale.)
sequenced as (
    select insurance_type_code, month_start, district_code, gender_code, age_band_code,
           lag(month_start) over w  as previous_insured_month,
           lead(month_start) over w as next_insured_month
    from person_month
    where is_insured = 1
    window w as (partition by insurance_type_code, person_id order by month_start)
),
entries as (
    select c.insurance_type_code, c.month_start, c.district_code, c.gender_code, c.age_band_code, count(*) as n
    from sequenced c
    join loaded l on l.insurance_type_code = c.insurance_type_code
                 and l.month_start = (c.month_start - interval '1 month')::date
    where c.previous_insured_month is distinct from (c.month_start - interval '1 month')::date
    group by 1, 2, 3, 4, 5
),
-- insured in the previous month, not insured this month (counted in this month, where the person was)
exits as (
    select p.insurance_type_code, (p.month_start + interval '1 month')::date as month_start, p.district_code,
           p.gender_code, p.age_band_code, count(*) as n
    from sequenced p
    join loaded l on l.insurance_type_code = p.insurance_type_code
                 and l.month_start = (p.month_start + interval '1 month')::date
    where p.next_insured_month is distinct from (p.month_start + interval '1 month')::date
    group by 1, 2, 3, 4, 5
),
cells as (
    select insurance_type_code, month_start, district_code, gender_code, age_band_code from stocks
    union
    select insurance_type_code, month_start, district_code, gender_code, age_band_code from exits
)
select
    k.month_start,
    m.month_key,
    m.month_label,
    k.district_code,
    coalesce(d.district_name, '未知区县')               as district_name,
    coalesce(d.district_sort, 99)                      as district_sort,
    k.insurance_type_code,
    coalesce(it.name, '未知')                           as insurance_type_name,
    k.gender_code,
    coalesce(g.gender_name, '未知')                     as gender_name,
    k.age_band_code,
    coalesce(ab.age_band_name, '未知')                  as age_band_name,
    coalesce(ab.band_sort, 99)                         as band_sort,
    coalesce(s.insured, 0)::bigint                     as insured,
    coalesce(s.beneficiaries, 0)::bigint               as beneficiaries,
    coalesce(s.contributors, 0)::bigint                as contributors,
    coalesce(s.contribution_income, 0)::numeric(18,2)  as contribution_income,
    coalesce(s.benefit_paid, 0)::numeric(18,2)         as benefit_paid,
    case when pl.month_start is not null then coalesce(e.n, 0) end::bigint as entries,
    case when pl.month_start is not null then coalesce(x.n, 0) end::bigint as exits
from cells k
join {{ ref('dim_month') }} m on m.month_start = k.month_start
left join {{ ref('dim_district') }} d on d.district_code = k.district_code
left join {{ ref('dim_gender') }} g on g.gender_code = k.gender_code
left join {{ ref('dim_age_band') }} ab on ab.age_band_code = k.age_band_code
left join {{ ref('code_insurance_type') }} it on it.code = k.insurance_type_code
left join stocks s on s.insurance_type_code = k.insurance_type_code and s.month_start = k.month_start
    and s.district_code is not distinct from k.district_code and s.gender_code is not distinct from k.gender_code
    and s.age_band_code is not distinct from k.age_band_code
left join entries e on e.insurance_type_code = k.insurance_type_code and e.month_start = k.month_start
    and e.district_code is not distinct from k.district_code and e.gender_code is not distinct from k.gender_code
    and e.age_band_code is not distinct from k.age_band_code
left join exits x on x.insurance_type_code = k.insurance_type_code and x.month_start = k.month_start
    and x.district_code is not distinct from k.district_code and x.gender_code is not distinct from k.gender_code
    and x.age_band_code is not distinct from k.age_band_code
left join loaded pl on pl.insurance_type_code = k.insurance_type_code
                   and pl.month_start = (k.month_start - interval '1 month')::date
