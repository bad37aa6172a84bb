{#-
  Exact distinct counts of persons over month ranges, fast (used by the cube: cube/query.py, `distinct_aggregates`).

  A count of distinct persons over several months (缴费人数 = persons with a contribution in the period) cannot
  be summed from monthly counts: a person paying in January and February is one contributor of the quarter.
  Two year-incremental models make such counts cheap and still exact:

  * `distinct_year_bitmask(...)` — person × calendar year × attribute tuple: one row per person, year and
    combination of the attributes (district, gender, …) the person had in the months that pass the filter, with
    a 12-bit mask of those months (bit 0 = January). Lossless for the filtered rows, so any distinct count over
    any set of months (the mask selects them) and any attributes equals the count over the person-month fact,
    from about a twelfth of the rows. `is_single_row` marks persons with exactly one row in the year: within
    one year they can be counted with count(*), only the others need a distinct count.
  * `distinct_period_counts(...)` — the distinct counts themselves for every calendar year and quarter and
    every combination of the attributes (GROUP BY CUBE), `rolled_up` = PostgreSQL's GROUPING() bits of the
    attributes in the order given (first attribute = highest bit; 1 = summed over). Periods are keyed by
    `year` and `year_quarter` ('2024Q1'; null on year rows), the keys of the cubes' time levels, so the cube
    reads them without joining the month dimension (which only spans the months with data). `months`: the
    year's months with any filtered row (12-bit mask), so the cube can tell when a month range selects exactly
    the data of whole periods.

  Both are rebuilt per year (delete+insert on `year`), only for years with a newer load batch than the one
  they hold: a monthly build touches the current year only (and the year of a re-delivered month).
-#}

{#- Years whose months carry a newer load batch than `this` holds for the year (as ints; at parse time: none). -#}
{% macro distinct_years_to_build(batches_sql) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set sql -%}
        select s.year
        from (
            select extract(year from b.month_start)::int as year, max(b.source_batch_id) as source_batch_id
            from ({{ batches_sql }}) b
            group by 1
        ) s
        {%- if is_incremental() %}
        where s.source_batch_id > coalesce((select max(t.source_batch_id) from {{ this }} t where t.year = s.year), 0)
        {%- endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | map('int') | list) }}
{%- endmacro %}

{#- `column` lies in one of the calendar years (literal bounds, so the month index of the source is used). -#}
{% macro in_years(column, years) -%}
    {%- for y in years %}({{ column }} >= date '{{ y }}-01-01' and {{ column }} < date '{{ y + 1 }}-01-01'){% if not loop.last %} or {% endif %}{% else %}false{% endfor -%}
{%- endmacro %}

{#- Person × year × attributes with the month mask. `fact`: the person-month fact (month_start, entity,
    attributes, source_batch_id; its interfaces are found through it, see staged_relations);
    `filter`: which fact rows count (e.g. 'is_contributor = 1'). -#}
{% macro distinct_year_bitmask(fact, entity, attributes, filter) -%}
{%- set years = distinct_years_to_build(month_batch()) -%}
with years as (
    select extract(year from b.month_start)::int as year, max(b.source_batch_id) as source_batch_id
    from ({{ month_batch() }}) b
    group by 1
),
person_year as (
    select
        extract(year from f.month_start)::int                                  as year,
        f.{{ entity }},
        {%- for a in attributes %}
        f.{{ a }},
        {%- endfor %}
        bit_or(1 << (extract(month from f.month_start)::int - 1))::smallint    as months
    from {{ fact }} f
    where ({{ filter }}) and ({{ in_years('f.month_start', years) }})
    group by 1, 2{% for a in attributes %}, {{ loop.index + 2 }}{% endfor %}
)
select
    p.year,
    p.{{ entity }},
    {%- for a in attributes %}
    p.{{ a }},
    {%- endfor %}
    p.months,
    (count(*) over (partition by p.year, p.{{ entity }}) = 1)                  as is_single_row,
    y.source_batch_id
from person_year p
join years y on y.year = p.year
{%- endmacro %}

{#- Distinct counts per calendar year and quarter × every combination of `attributes`, from a
    distinct_year_bitmask model. Persons with one row in the year are counted with count(*) under hashed
    grouping sets; only the others (a few percent: moved, changed age band, …) need count(distinct). -#}
{% macro distinct_period_counts(bitmask_model, entity, attributes, measure) -%}
{%- set years = distinct_years_to_build('select make_date(year, 1, 1) as month_start, source_batch_id from '
                                        ~ bitmask_model) -%}
{%- set attrs = attributes | join(', ') -%}
with b as (
    select * from {{ bitmask_model }}
    where year in ({% for y in years %}{{ y }}{% if not loop.last %}, {% endif %}{% else %}null{% endfor %})
),
periods as (
    select 'year'::text as period_grain, b.year, null::text as year_quarter, b.{{ entity }}, {{ attrs }}, b.is_single_row
    from b
    union all
    select 'quarter', b.year, b.year || 'Q' || q.q, b.{{ entity }}, {{ attrs }}, b.is_single_row
    from b
    cross join generate_series(1, 4) as q(q)
    where (b.months >> (3 * (q.q - 1))) & 7 <> 0
),
singles_fine as (      -- one person per row: counted at the finest tuple first, rolled up as sums below
    select period_grain, year, year_quarter, {{ attrs }}, count(*)::bigint as n
    from periods
    where is_single_row
    group by period_grain, year, year_quarter, {{ attrs }}
),
singles as (
    select period_grain, year, year_quarter, grouping({{ attrs }})::int as rolled_up, {{ attrs }},
           sum(n)::bigint as n
    from singles_fine
    group by period_grain, year, year_quarter, cube({{ attrs }})
),
multiples as (
    select period_grain, year, year_quarter, grouping({{ attrs }})::int as rolled_up, {{ attrs }},
           count(distinct {{ entity }})::bigint as n
    from periods
    where not is_single_row
    group by period_grain, year, year_quarter, cube({{ attrs }})
),
batches as (
    select year, max(source_batch_id) as source_batch_id, bit_or(months)::smallint as months from b group by 1
)
select c.period_grain, c.year, c.year_quarter, c.rolled_up, {% for a in attributes %}c.{{ a }}, {% endfor %}
       sum(c.n)::bigint as {{ measure }}, bt.months, bt.source_batch_id
from (select * from singles union all select * from multiples) c
join batches bt on bt.year = c.year
group by c.period_grain, c.year, c.year_quarter, c.rolled_up, {% for a in attributes %}c.{{ a }}, {% endfor %}bt.months,
         bt.source_batch_id
{%- endmacro %}
