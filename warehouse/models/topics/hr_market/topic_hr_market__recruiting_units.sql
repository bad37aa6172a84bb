-- 人力资源市场查询专题库 招聘单位 (口径 v1): units with vacancies posted in the as-of month (unit data, no personal
-- identifiers), with the placements made in the 12 months to it.
{{ config(contract={'enforced': true}) }}
with win as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
vac as (
    select credit_code, max(unit_name) as unit_name, max(district_code) as district_code, count(*) as vacancies,
           sum(posts) as posts, min(wage_min) as wage_min, max(wage_max) as wage_max
    from {{ ref('stg_job_market__vacancies') }}, win where month_start = win.as_of_month
    group by credit_code
),
placed as (
    select credit_code, count(*) as placements_12m
    from {{ ref('stg_job_market__placements') }}, win where month_start between win.from_month and win.as_of_month
    group by credit_code
)
select
    v.credit_code::text, v.unit_name::text, v.district_code::text, v.vacancies::int, v.posts::int,
    v.wage_min::numeric(12,2), v.wage_max::numeric(12,2), coalesce(p.placements_12m, 0)::int as placements_12m,
    w.as_of_month::date, now()::timestamp as refreshed_at
from vac v
cross join win w
left join placed p using (credit_code)
