-- 养老金待遇水平(月 × 区县): the average pension against the caliber parameters of its month — the year's announced
-- adjustment (基本养老金总体调整水平), the social average wage (社平工资, the latest published year) and the minimum wage.
-- Parameters are joined here at report time, never stored in the facts, so a corrected caliber seed restates every
-- month on the next build.
with params as (
    select m.month_start, m.year - 1 as wage_year, a.adjustment_rate::numeric(6,4) as adjustment_rate,
           w.monthly_average_wage::numeric(12,2) as monthly_average_wage, mw.monthly_minimum_wage::numeric(12,2) as monthly_minimum_wage
    from {{ ref('dim_month') }} m
    left join {{ ref('caliber_pension_adjustment') }} a on a.year = m.year
    left join {{ ref('caliber_social_average_wage') }} w on w.year = m.year - 1
    left join {{ ref('caliber_minimum_wage') }} mw
      on m.month_start between mw.effective_from::date and mw.effective_to::date
),
level as (
    select o.month_start, o.month_key, o.month_label, o.district_code, o.district_name, o.district_sort,
           o.insured_retired, o.pension_paid, o.basic_pension_paid,
           o.average_pension   -- 基本养老金 ÷ 离退休人数 (补发、丧葬补助金 not in the average: 口径 in seeds/indicators)
    from {{ ref('rpt_pension_overview') }} o
)
select
    l.month_start, l.month_key, l.month_label, l.district_code, l.district_name, l.district_sort,
    l.insured_retired,
    l.pension_paid,
    l.basic_pension_paid,
    l.average_pension,
    p.adjustment_rate,
    prev.average_pension                                                           as average_pension_last_year,
    round(l.average_pension / nullif(prev.average_pension, 0) - 1, 4)              as average_pension_yoy_growth,
    round(l.average_pension / nullif(prev.average_pension, 0) - 1 - p.adjustment_rate, 4) as growth_minus_adjustment,
    p.wage_year,
    p.monthly_average_wage                                                         as social_average_wage,
    round(l.average_pension / nullif(p.monthly_average_wage, 0), 4)                as pension_to_average_wage,
    p.monthly_minimum_wage                                                         as minimum_wage,
    round(l.average_pension / nullif(p.monthly_minimum_wage, 0), 4)                as pension_to_minimum_wage
from level l
left join params p on p.month_start = l.month_start
left join level prev on prev.district_code = l.district_code
                    and prev.month_start = (l.month_start - interval '1 year')::date
