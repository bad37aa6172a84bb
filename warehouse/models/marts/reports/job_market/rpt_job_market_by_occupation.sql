-- 职业供求(数据挖掘): month × district × occupation major group (GB/T 6565 大类): demand (vacancies, posts, by
-- the vacancy's occupation), supply (seekers, by desired occupation) and placements (by the vacancy's
-- occupation); 求人倍率 by occupation = posts ÷ seekers. Sums over occupations equal rpt_job_market_overview.
with v as (
    select month_start, district_code, occupation_major_code, count(*) as vacancies, sum(posts) as posts
    from {{ ref('fct_job_market_vacancy') }} group by 1, 2, 3
),
s as (
    select month_start, district_code, desired_occupation_major_code as occupation_major_code, count(*) as seekers
    from {{ ref('fct_job_market_seeker') }} group by 1, 2, 3
),
p as (
    select month_start, district_code, occupation_major_code, count(*) as placements
    from {{ ref('fct_job_market_placement') }} group by 1, 2, 3
),
keys as (
    select month_start, district_code, occupation_major_code from v
    union select month_start, district_code, occupation_major_code from s
    union select month_start, district_code, occupation_major_code from p
)
select
    k.month_start,
    (extract(year from k.month_start) * 100 + extract(month from k.month_start))::int as month_key,
    k.district_code,
    k.occupation_major_code,
    coalesce(o.name, '未知')                                      as occupation_major_name,
    coalesce(v.vacancies, 0)::bigint                              as vacancies,
    coalesce(v.posts, 0)::bigint                                  as posts,
    coalesce(s.seekers, 0)::bigint                                as seekers,
    coalesce(p.placements, 0)::bigint                             as placements,
    round(coalesce(v.posts, 0)::numeric / nullif(s.seekers, 0), 4)::numeric(10,4) as vacancy_seeker_ratio
from keys k
left join v on v.month_start = k.month_start and v.district_code = k.district_code and v.occupation_major_code = k.occupation_major_code
left join s on s.month_start = k.month_start and s.district_code = k.district_code and s.occupation_major_code = k.occupation_major_code
left join p on p.month_start = k.month_start and p.district_code = k.district_code and p.occupation_major_code = k.occupation_major_code
left join {{ ref('code_occupation') }} o on o.code = k.occupation_major_code
