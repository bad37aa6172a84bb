-- 职业介绍概览: one row per loaded month × district (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql). Vacancies and placements by place of
-- work, seekers by registering district. 求人倍率 = posts (需求人数) ÷ job seekers.
with months as (
    select month_start from {{ ref('fct_job_market_vacancy') }}
    union select month_start from {{ ref('fct_job_market_seeker') }}
    union select month_start from {{ ref('fct_job_market_placement') }}
),
v as (
    select month_start, district_code, count(*) as vacancies, sum(posts) as posts,
           sum(posts * (wage_min + wage_max) / 2) as posted_wage_sum
    from {{ ref('fct_job_market_vacancy') }} group by 1, 2
),
s as (
    select month_start, district_code, count(*) as seekers,
           count(*) filter (where seeker_type_code = '1') as seekers_registered_unemployed
    from {{ ref('fct_job_market_seeker') }} group by 1, 2
),
p as (
    select month_start, district_code, count(*) as placements, sum(agreed_wage) as agreed_wage_sum
    from {{ ref('fct_job_market_placement') }} group by 1, 2
),
base_districts as (
    select
        m.month_start, d.district_code, d.district_name, d.district_sort,
        coalesce(v.vacancies, 0)::bigint                        as vacancies,
        coalesce(v.posts, 0)::bigint                            as posts,
        coalesce(s.seekers, 0)::bigint                          as seekers,
        coalesce(s.seekers_registered_unemployed, 0)::bigint    as seekers_registered_unemployed,
        coalesce(p.placements, 0)::bigint                       as placements,
        coalesce(p.agreed_wage_sum, 0)::numeric(18,2)           as agreed_wage_sum,
        coalesce(v.posted_wage_sum, 0)::numeric(18,2)           as posted_wage_sum
    from months m
    cross join {{ ref('dim_district') }} d
    left join v on v.month_start = m.month_start and v.district_code = d.district_code
    left join s on s.month_start = m.month_start and s.district_code = d.district_code
    left join p on p.month_start = m.month_start and p.district_code = d.district_code
    where d.district_code <> '999999' or v.district_code is not null or s.district_code is not null
       or p.district_code is not null
),
base as (
    select * from base_districts
    union all
    {{ beijing_total('base_districts', ['month_start'],
                     ['vacancies:bigint', 'posts:bigint', 'seekers:bigint', 'seekers_registered_unemployed:bigint', 'placements:bigint', 'agreed_wage_sum:numeric(18,2)', 'posted_wage_sum:numeric(18,2)']) }}
)
select
    b.month_start,
    (extract(year from b.month_start) * 100 + extract(month from b.month_start))::int as month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                                          as month_label,
    b.district_code, b.district_name, b.district_sort,
    b.vacancies, b.posts, b.seekers, b.seekers_registered_unemployed, b.placements,
    b.agreed_wage_sum, b.posted_wage_sum,
    round(b.posts::numeric / nullif(b.seekers, 0), 4)::numeric(10,4)               as vacancy_seeker_ratio,
    round(b.placements::numeric / nullif(b.seekers, 0), 4)::numeric(10,4)          as placement_rate,
    round(b.agreed_wage_sum / nullif(b.placements, 0), 2)::numeric(12,2)           as avg_agreed_wage,
    round(b.posted_wage_sum / nullif(b.posts, 0), 2)::numeric(12,2)                as avg_posted_wage,
    round((b.posts - pm.posts)::numeric / nullif(pm.posts, 0), 4)::numeric(12,4)               as posts_mom_growth,
    round((b.posts - py.posts)::numeric / nullif(py.posts, 0), 4)::numeric(12,4)               as posts_yoy_growth,
    round((b.seekers - pm.seekers)::numeric / nullif(pm.seekers, 0), 4)::numeric(12,4)         as seekers_mom_growth,
    round((b.seekers - py.seekers)::numeric / nullif(py.seekers, 0), 4)::numeric(12,4)         as seekers_yoy_growth,
    round((b.placements - pm.placements)::numeric / nullif(pm.placements, 0), 4)::numeric(12,4) as placements_mom_growth,
    round((b.placements - py.placements)::numeric / nullif(py.placements, 0), 4)::numeric(12,4) as placements_yoy_growth
from base b
left join base pm on pm.district_code = b.district_code and pm.month_start = (b.month_start - interval '1 month')::date
left join base py on py.district_code = b.district_code and py.month_start = (b.month_start - interval '1 year')::date
