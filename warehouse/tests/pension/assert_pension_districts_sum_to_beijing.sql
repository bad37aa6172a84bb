-- Balance: the district rows of the pension overview add up to the Beijing total, where the Beijing
-- total is counted straight from the staged interface rows (so it also proves mart = detail).
-- Returns one row per month and measure that differs, in the months raw still holds (older ones may be archived).
with held as (
    {{ raw_months_held([source('raw_pension', 'ent_pension_person'), source('raw_pension', 'ent_pension_retiree'),
                        source('raw_pension', 'ent_pension_contribution'), source('raw_pension', 'ent_pension_payment')]) }}
),
beijing as (
    select month_start, 'insured_active' as measure, count(*)::numeric as beijing_total
    from {{ ref('stg_pension__persons') }} where insured_status_code in ('1', '2') group by 1
    union all
    select month_start, 'insured_retired', count(distinct person_id) from {{ ref('stg_pension__retirees') }} group by 1
    union all
    -- 缴费人数: insured persons (a status row that month, active or retired) with a contribution arriving in it.
    -- One join against the union of the month's insured, not `exists (…) or exists (…)`: PostgreSQL runs an OR of
    -- two EXISTS as correlated subplans per contribution row (8.7 s with one month at 0.1, > 11 min with two:
    -- bench/results/scale.md §8).
    select c.month_start, 'contributors', count(distinct c.person_id) from {{ ref('stg_pension__contributions') }} c
    join (select month_start, person_id from {{ ref('stg_pension__persons') }} where insured_status_code in ('1', '2')
          union
          select month_start, person_id from {{ ref('stg_pension__retirees') }}) i
      on i.month_start = c.month_start and i.person_id = c.person_id
    group by 1
    union all
    select month_start, 'contribution_income', sum(employer_amount + employee_amount)
    from {{ ref('stg_pension__contributions') }} group by 1
    union all
    select month_start, 'pension_paid', sum(amount) from {{ ref('stg_pension__payments') }} group by 1
),
districts as (
    select month_start, m.measure, sum(m.value) as district_sum
    from {{ ref('rpt_pension_overview') }} r
    cross join lateral (values
        ('insured_active', r.insured_active::numeric), ('insured_retired', r.insured_retired::numeric),
        ('contributors', r.contributors::numeric), ('contribution_income', r.contribution_income),
        ('pension_paid', r.pension_paid)) as m(measure, value)
    where r.district_code <> {{ beijing_code() }}    -- the districts (999999 included), not the mart's Beijing row
      and r.month_start in (select month_start from held)
    group by 1, 2
)
select coalesce(b.month_start, d.month_start) as month_start, coalesce(b.measure, d.measure) as measure,
       b.beijing_total, d.district_sum, coalesce(d.district_sum, 0) - coalesce(b.beijing_total, 0) as difference
from beijing b
full join districts d on d.month_start = b.month_start and d.measure = b.measure
where coalesce(b.beijing_total, 0) <> coalesce(d.district_sum, 0)
  and coalesce(b.month_start, d.month_start) in (select month_start from held)
