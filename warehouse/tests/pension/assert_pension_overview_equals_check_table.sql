-- Balance: every figure of the pension overview equals the provider's 数据核对表 for the same month
-- and district. Returns each differing cell (missing on either side counts as a difference).
with provider as (
    select month_start, district_code, measure, value
    from {{ ref('stg_provider__check_table') }}
    where source = 'pension'
      and source_delivered    -- not delivered in full (forced load): not compared
),
mart as (
    select r.month_start, r.district_code, m.measure, m.value
    from {{ ref('rpt_pension_overview') }} r
    cross join lateral (values
        ('units', r.units::numeric), ('insured_active', r.insured_active::numeric),
        ('insured_retired', r.insured_retired::numeric), ('contributors', r.contributors::numeric),
        ('contribution_income', r.contribution_income), ('pension_paid', r.pension_paid)) as m(measure, value)
    where r.month_start in (select month_start from provider)
      and r.district_code <> {{ beijing_code() }}
)
select coalesce(m.month_start, p.month_start) as month_start,
       coalesce(m.district_code, p.district_code) as district_code,
       coalesce(m.measure, p.measure) as measure,
       m.value as warehouse_value, p.value as provider_value,
       coalesce(m.value, 0) - coalesce(p.value, 0) as difference
from mart m
full join provider p
    on p.month_start = m.month_start and p.district_code = m.district_code and p.measure = m.measure
where m.value is distinct from p.value
  and not (m.value = 0 and p.value is null)
