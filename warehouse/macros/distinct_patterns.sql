{#-
  Exact distinct counts of persons over ANY set of months (gaps allowed, e.g. 202401 and 202411, or a year but
  one month), as a sum (cube: `distinct_aggregates` of type `pattern_counts`, cube/sqlbuild/pattern_counts.py).

  For every combination of the attributes (GROUP BY CUBE; `rolled_up` = GROUPING() bits, first attribute =
  highest bit, as distinct_period_counts / distinct_spell_counts) each person's months with that combination
  are one month pattern: a bigint whose bit i is month index (year * 12 + month - 1) % 64, within the 64-month
  window `window_no` = (year * 12 + month - 1) / 64 (fixed windows from year 0, so a new month never moves the
  old ones). Persons are then counted per (window, combination, pattern):

      distinct persons of a cell over a month set S (within one window) =
          sum of persons over the cell's rows whose pattern shares a month with S  (pattern & mask(S) <> 0)

  A person has exactly one pattern per combination and window, so the sum is exact; a set of months spanning
  two windows is not answered here (the cube falls back to the month masks). Sets of several members of an
  undrilled attribute (two districts together) are not sums of these rows either (a mover would be counted
  twice): the cube answers them from the month masks too.

  Input: a distinct_year_bitmask model (person × year × attributes, 12-bit month mask); a year's 12 months may
  straddle two windows and are split. Rebuilt whole: a new month changes the patterns of the persons who
  contribute in it (most of them), so an incremental merge would rewrite most rows of the current window anyway.
-#}
{% macro distinct_pattern_counts(bitmask_model, entity, attributes, measure) -%}
{%- set attrs = attributes | join(', ') -%}
with year_rows as (
    select {{ entity }}, {{ attrs }}, (year * 12) / 64 as window_no, (year * 12) % 64 as shift,
           months::bigint as months
    from {{ bitmask_model }}
),
parts as (      -- the year's months in its window (bits past 63 fall off) and, straddling, in the next one
    select {{ entity }}, {{ attrs }}, window_no, months << shift as pattern from year_rows
    union all
    select {{ entity }}, {{ attrs }}, window_no + 1, months >> (64 - shift) from year_rows where shift > 52
),
patterns as (
    select window_no, {{ attrs }}, grouping({{ attrs }}) as rolled_up, bit_or(pattern) as pattern
    from parts
    where pattern <> 0
    group by {{ entity }}, window_no, cube({{ attrs }})
)
select window_no, rolled_up, {{ attrs }}, pattern, count(*)::bigint as {{ measure }},
       (select max(source_batch_id) from {{ bitmask_model }}) as source_batch_id
from patterns
group by window_no, rolled_up, {{ attrs }}, pattern
{%- endmacro %}

{#- Generic test: for every window and combination, the persons summed over the patterns equal the distinct
    persons of the month masks in that window (the total over all its months); rows returned are the mismatches. -#}
{% test pattern_counts_match(model, bitmask_model, entity, attributes, measure) %}
{%- set attrs = attributes | join(', ') -%}
with expected as (
    select window_no, grouping({{ attrs }}) as rolled_up, {{ attrs }}, count(distinct {{ entity }}) as n
    from (
        select {{ entity }}, {{ attrs }}, (year * 12) / 64 as window_no from {{ bitmask_model }}
        where (months::bigint << ((year * 12) % 64)) <> 0
        union all
        select {{ entity }}, {{ attrs }}, (year * 12) / 64 + 1 from {{ bitmask_model }}
        where (year * 12) % 64 > 52 and (months::bigint >> (64 - (year * 12) % 64)) <> 0
    ) y
    group by window_no, cube({{ attrs }})
),
actual as (
    select window_no, rolled_up, {{ attrs }}, sum({{ measure }}) as n
    from {{ model }}
    group by window_no, rolled_up, {{ attrs }}
)
select coalesce(e.window_no, a.window_no) as window_no, coalesce(e.rolled_up, a.rolled_up) as rolled_up,
       e.n as expected, a.n as actual
from expected e
full join actual a
    on e.window_no = a.window_no and e.rolled_up = a.rolled_up
    {%- for c in attributes %} and e.{{ c }} is not distinct from a.{{ c }}{% endfor %}
where e.n is distinct from a.n
{% endtest %}
