-- 劳动人事信访概览: one row per loaded month × district of the matter (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
-- 办结率 = handled ÷ petitions; 平均办理天数 = response days ÷ handled petitions.
with months as (
    select distinct month_start from {{ ref('fct_petition_case') }}
),
a as (
    select month_start, district_code, count(*) as petitions,
           count(*) filter (where channel_code = '1') as letters,
           count(*) filter (where channel_code = '2') as visits,
           count(*) filter (where channel_code = '3') as online,
           count(*) filter (where channel_code = '4') as transferred,
           sum(persons) as persons, sum(is_collective) as collective, sum(is_repeat) as repeated,
           sum(is_handled) as handled, sum(is_anonymous) as anonymous,
           sum(response_days) filter (where is_handled = 1) as response_days_sum
    from {{ ref('fct_petition_case') }} group by 1, 2
),
base_districts as (
    select
        m.month_start, d.district_code, d.district_name, d.district_sort,
        coalesce(a.petitions, 0)::bigint    as petitions,
        coalesce(a.letters, 0)::bigint      as letters,
        coalesce(a.visits, 0)::bigint       as visits,
        coalesce(a.online, 0)::bigint       as online,
        coalesce(a.transferred, 0)::bigint  as transferred,
        coalesce(a.persons, 0)::bigint      as persons,
        coalesce(a.collective, 0)::bigint   as collective,
        coalesce(a.repeated, 0)::bigint     as repeated,
        coalesce(a.handled, 0)::bigint      as handled,
        coalesce(a.anonymous, 0)::bigint    as anonymous,
        coalesce(a.response_days_sum, 0)::bigint as response_days_sum
    from months m
    cross join {{ ref('dim_district') }} d
    left join a on a.month_start = m.month_start and a.district_code = d.district_code
    where d.district_code <> '999999' or a.district_code is not null
),
base as (
    select * from base_districts
    union all
    {{ beijing_total('base_districts', ['month_start'],
                     ['petitions:bigint', 'letters:bigint', 'visits:bigint', 'online:bigint', 'transferred:bigint', 'persons:bigint', 'collective:bigint', 'repeated:bigint', 'handled:bigint', 'anonymous:bigint', 'response_days_sum:bigint']) }}
)
select
    b.month_start,
    (extract(year from b.month_start) * 100 + extract(month from b.month_start))::int as month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                                          as month_label,
    b.district_code, b.district_name, b.district_sort,
    b.petitions, b.letters, b.visits, b.online, b.transferred, b.persons, b.collective, b.repeated,
    b.handled, b.anonymous, b.response_days_sum,
    round(b.handled::numeric / nullif(b.petitions, 0), 4)::numeric(10,4)              as handled_rate,
    round(b.response_days_sum::numeric / nullif(b.handled, 0), 1)::numeric(10,1)      as avg_response_days,
    round((b.petitions - pm.petitions)::numeric / nullif(pm.petitions, 0), 4)::numeric(12,4) as petitions_mom_growth,
    round((b.petitions - py.petitions)::numeric / nullif(py.petitions, 0), 4)::numeric(12,4) as petitions_yoy_growth
from base b
left join base pm on pm.district_code = b.district_code and pm.month_start = (b.month_start - interval '1 month')::date
left join base py on py.district_code = b.district_code and py.month_start = (b.month_start - interval '1 year')::date
