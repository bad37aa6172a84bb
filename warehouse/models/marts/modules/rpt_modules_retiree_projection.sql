-- 统计精算 (区县宏观): projection of the retirees of each pension scheme for the next ten years, from each
-- month's age × gender cohort (rpt_dmp_actuarial_pyramid). Method (cohort roll-forward, documented in the
-- model's YAML): the active insured of age a reach the statutory base retirement age (男60岁, 女55岁) in year
-- (base age − a); today's retirees and each year's new retirees survive at the cohort's observed mortality
-- (the month's deaths ÷ retirees × 12, per scheme and gender, capped at 20 %). Nobody enters the scheme.
with base as (
    select month_start, month_key, insurance_type_code, insurance_type_name, gender_code, gender_name,
           sum(retired_count)                                        as retired_now,
           sum(deaths)                                               as deaths_month,
           least(coalesce(sum(deaths)::numeric * 12 / nullif(sum(retired_count), 0), 0), 0.2)
                                                                     as annual_mortality
    from {{ ref('rpt_dmp_actuarial_pyramid') }}
    group by 1, 2, 3, 4, 5, 6
),
reaching as (
    -- active insured reaching the base retirement age in projection year k (k = base age − age, 1..10)
    select month_start, insurance_type_code, gender_code,
           (case when gender_code = '1' then 60 else 55 end) - age   as k,
           sum(active_count)                                         as new_retirees
    from {{ ref('rpt_dmp_actuarial_pyramid') }}
    where (case when gender_code = '1' then 60 else 55 end) - age between 1 and 10
    group by 1, 2, 3, 4
),
years as (select generate_series(1, 10) as k)
select
    b.month_start,
    b.month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                           as month_label,
    b.insurance_type_code,
    b.insurance_type_name,
    b.gender_code,
    b.gender_name,
    y.k                                                               as projection_year,
    (extract(year from b.month_start)::int + y.k)                     as target_year,
    (extract(year from b.month_start)::int + y.k)::text || '年'        as target_year_label,
    b.retired_now::bigint                                             as retired_base,
    round(b.annual_mortality, 6)::numeric(10,6)                       as annual_mortality,
    coalesce(r.new_retirees, 0)::bigint                               as new_retirees,
    round(b.retired_now * power(1 - b.annual_mortality, y.k)
          + coalesce((select sum(r2.new_retirees * power(1 - b.annual_mortality, y.k - r2.k))
                      from reaching r2
                      where r2.month_start = b.month_start and r2.insurance_type_code = b.insurance_type_code
                        and r2.gender_code = b.gender_code and r2.k <= y.k), 0))::bigint
                                                                      as projected_retirees
from base b
cross join years y
left join reaching r on r.month_start = b.month_start and r.insurance_type_code = b.insurance_type_code
                    and r.gender_code = b.gender_code and r.k = y.k
