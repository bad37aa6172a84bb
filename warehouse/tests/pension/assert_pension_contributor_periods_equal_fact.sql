-- Exactness of the distinct-contributor structures the cube reads (agg_pension_contributor_year, _period):
-- for every rebuilt year, the year's and each quarter's 缴费人数 — Beijing-wide and by district — equal
-- count(distinct person_id) over the contributing rows of fct_pension_person_month, and the month masks of the
-- year table give back exactly the fact's contributing person-months. Only years rebuilt since the last passing
-- build are checked (var tested_through_batch, see macros/test_scope.sql). Returns one row per difference.
{%- set watermark = var('tested_through_batch', 0) | int %}
with years as (
    select distinct year from {{ ref('agg_pension_contributor_period') }} where source_batch_id > {{ watermark }}
),
periods as (
    select 'year' as period_grain, make_date(y.year, 1, 1) as period_start, make_date(y.year + 1, 1, 1) as period_end
    from years y
    union all
    select 'quarter', make_date(y.year, 3 * q - 2, 1), (make_date(y.year, 3 * q - 2, 1) + interval '3 months')::date
    from years y cross join generate_series(1, 4) as q
),
fact as (
    select p.period_grain, p.period_start, f.district_code, count(distinct f.person_id) as contributors
    from periods p
    join {{ ref('fct_pension_person_month') }} f
      on f.month_start >= p.period_start and f.month_start < p.period_end and f.is_contributor = 1
    group by grouping sets ((p.period_grain, p.period_start), (p.period_grain, p.period_start, f.district_code))
),
stored as (
    select period_grain, make_date(year, coalesce(right(year_quarter, 1)::int * 3 - 2, 1), 1) as period_start,
           case when rolled_up = 15 then district_code end as district_code,
           contributors
    from {{ ref('agg_pension_contributor_period') }}
    where year in (select year from years) and rolled_up in (31, 15)
),
counts as (
    select coalesce(f.period_grain, s.period_grain) as period_grain, coalesce(f.period_start, s.period_start) as period_start,
           coalesce(f.district_code, s.district_code) as district_code, f.contributors as fact_contributors,
           s.contributors as stored_contributors
    from fact f
    full join stored s on s.period_grain = f.period_grain and s.period_start = f.period_start
                      and s.district_code is not distinct from f.district_code
    where f.contributors is distinct from s.contributors
),
person_months as (      -- the masks hold exactly the contributing person-months of the fact
    select count(*) as n from {{ ref('fct_pension_person_month') }} f
    where f.is_contributor = 1 and extract(year from f.month_start)::int in (select year from years)
),
mask_months as (
    select count(*) as n from (
        select distinct b.year, b.person_id, m
        from {{ ref('agg_pension_contributor_year') }} b
        cross join generate_series(1, 12) as m
        where b.year in (select year from years) and (b.months >> (m - 1)) & 1 = 1
    ) x
)
select period_grain, period_start::text, district_code, fact_contributors, stored_contributors from counts
union all
select 'person_months', null, null, p.n, m.n from person_months p, mask_months m where p.n <> m.n
