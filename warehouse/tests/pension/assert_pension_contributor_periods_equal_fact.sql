-- Exactness of the distinct-contributor structures the cube reads (agg_pension_contributor_year, _period), for
-- every year rebuilt since the last passing build (var tested_through_batch, see macros/test_scope.sql):
--  * the month masks hold exactly the fact's contributing person-months: a person has one fact row per month, so
--    the masks of a person's rows in a year are disjoint and their set bits add up to the fact's row count;
--  * each year's Beijing-wide 缴费人数 equals count(distinct person_id) over the fact;
--  * the stored counts per year and quarter, Beijing-wide and by district, equal the distinct persons of the
--    month masks (the same question asked of the lossless table).
-- Returns one row per difference.
{%- set watermark = var('tested_through_batch', 0) | int %}
with years as (
    select distinct year from {{ ref('agg_pension_contributor_year') }} where source_batch_id > {{ watermark }}
),
fact as (
    select extract(year from f.month_start)::int as year, count(*) as person_months,
           count(distinct f.person_id) as contributors
    from {{ ref('fct_pension_person_month') }} f
    where f.is_contributor = 1
      and f.month_start >= (select make_date(min(year), 1, 1) from years)
      and f.month_start < (select make_date(max(year) + 1, 1, 1) from years)
    group by 1
),
masks as (
    select b.year, sum(length(replace(b.months::int::bit(12)::text, '0', ''))) as person_months,
           count(distinct b.person_id) as contributors
    from {{ ref('agg_pension_contributor_year') }} b
    where b.year in (select year from years)
    group by 1
),
periods as (
    select y.year, 'year' as period_grain, null::text as year_quarter, 4095 as bits from years y
    union all
    select y.year, 'quarter', y.year || 'Q' || q, 7 << (3 * (q - 1)) from years y cross join generate_series(1, 4) q
),
from_masks as (
    select p.period_grain, p.year, p.year_quarter, b.district_code, count(distinct b.person_id) as contributors
    from periods p
    join {{ ref('agg_pension_contributor_year') }} b on b.year = p.year and (b.months & p.bits) <> 0
    group by grouping sets ((p.period_grain, p.year, p.year_quarter), (p.period_grain, p.year, p.year_quarter,
                                                                      b.district_code))
),
stored as (
    select period_grain, year, year_quarter, case when rolled_up = 15 then district_code end as district_code,
           contributors
    from {{ ref('agg_pension_contributor_period') }}
    where year in (select year from years) and rolled_up in (31, 15)
)
select 'person-months' as check_name, coalesce(f.year, m.year) as year, null as period, null as district_code,
       f.person_months as expected, m.person_months as actual
from fact f full join masks m on m.year = f.year
where f.person_months is distinct from m.person_months
union all
select 'contributors in the year', coalesce(f.year, m.year), null, null, f.contributors, m.contributors
from fact f full join masks m on m.year = f.year
where f.contributors is distinct from m.contributors
union all
select 'stored period counts', coalesce(x.year, s.year), coalesce(x.year_quarter, s.year_quarter, 'year'),
       coalesce(x.district_code, s.district_code), x.contributors, s.contributors
from from_masks x
full join stored s on s.period_grain = x.period_grain and s.year = x.year
                  and s.year_quarter is not distinct from x.year_quarter
                  and s.district_code is not distinct from x.district_code
where x.contributors is distinct from s.contributors
