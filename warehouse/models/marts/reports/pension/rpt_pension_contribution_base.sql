-- 企业养老缴费基数分析(月 × 区县). Caliber values (base limits, social average wage) are joined here at
-- report time, never stored in the facts, so a corrected caliber seed restates every month on the next build.
with limits as (
    select m.month_start, c.base_lower, c.base_upper,
           -- the base year runs July–June and is set from the previous year's average wage
           case when m.month >= 7 then m.year - 1 else m.year - 2 end as wage_year
    from {{ ref('dim_month') }} m
    join {{ ref('caliber_contribution_base') }} c
      on m.month_start between c.effective_from::date and c.effective_to::date
),
contrib as (
    -- per district, and Beijing-wide for the mart's Beijing row (110000)
    select f.month_start,
           case when grouping(f.district_code) = 1 then {{ beijing_code() }} else f.district_code end as district_code,
           count(*) filter (where f.contribution_base > 0)                              as contributors,
           sum(f.contribution_base)                                                     as base_total,
           count(*) filter (where f.contribution_base > 0 and f.contribution_base <= l.base_lower) as at_lower_limit,
           count(*) filter (where f.contribution_base >= l.base_upper)                   as at_upper_limit
    from {{ ref('fct_pension_person_month') }} f
    join limits l on l.month_start = f.month_start
    group by grouping sets ((f.month_start, f.district_code), (f.month_start))
)
select
    r.month_start, r.month_key, r.month_label, r.district_code, r.district_name, r.district_sort,
    coalesce(c.contributors, 0)::bigint                                      as contributors_with_base,
    coalesce(c.base_total, 0)::numeric(18,2)                                 as base_total,
    round(c.base_total / nullif(c.contributors, 0), 2)                       as average_base,
    l.base_lower, l.base_upper, l.wage_year,
    w.monthly_average_wage                                                   as social_average_wage,
    round(c.base_total / nullif(c.contributors, 0) / nullif(w.monthly_average_wage, 0), 4) as base_to_average_wage,
    coalesce(c.at_lower_limit, 0)::bigint                                    as at_lower_limit,
    coalesce(c.at_upper_limit, 0)::bigint                                    as at_upper_limit,
    round(c.at_lower_limit::numeric / nullif(c.contributors, 0), 4)          as share_at_lower_limit
from {{ ref('rpt_pension_overview') }} r
left join contrib c on c.month_start = r.month_start and c.district_code = r.district_code
left join limits l on l.month_start = r.month_start
left join {{ ref('caliber_social_average_wage') }} w on w.year = l.wage_year
