{#-
  Exact distinct counts of persons over ANY contiguous month range, additive (used by the cube: cube/query.py,
  `distinct_aggregates` of type `spell_counts`).

  A person's contributing months with one attribute tuple (district, gender, …) form spells: maximal runs of
  consecutive months. For one person and one cell of a query, the spells that meet a contiguous range R are
  consecutive, and exactly the first of them has its prior spell (same person, same cell) ending before R
  starts. So

      distinct persons of a cell over R = number of spells of the cell with
          first_month <= R.last and last_month >= R.first and (prior_last_month is null or prior_last_month < R.first)

  which is a plain count, so spells can be pre-counted per (cell, first, last, prior last) — no person ids, no
  DISTINCT when querying: a few thousand rows per question instead of millions.

  "Same cell" depends on the dimensions the question groups by: a person who changed district keeps one spell
  in a question by age band. So the counts are stored for every combination of the attributes (GROUP BY CUBE;
  `rolled_up` = GROUPING() bits in the order given, first attribute = highest bit, 1 = summed over, the same
  convention as distinct_period_counts), each with the person's spells merged within the kept attributes:
  * persons with one attribute tuple over the whole history (most of them): spells are the same for every
    combination, so they are counted at the finest tuple and rolled up as sums;
  * the others ("movers": moved, changed age band, retired, …): their spells are merged again per combination
    (`movers` = true on those rows).
  A set of members of a dimension the question does not group by (two districts together) is answered from the
  steady counts of each member plus a DISTINCT over the movers' own spells (distinct_mover_spells, one row per
  mover's spell; a fifth of the persons in the synthetic data), still exact.

  Input: a distinct_year_bitmask model (lossless: person × year × attributes with a 12-bit month mask), so the
  spells cost a pass over about a twelfth of the fact's rows. Rebuilt whole on every build (a new month may
  extend any spell); months are handled as indexes year * 12 + month - 1 and stored as month-start dates.
-#}

{#- Spells of `source` (rows: keys, first_i, last_i — disjoint month-index runs per key tuple): adjacent runs
    merged, with the last month of the key tuple's previous spell. -#}
{% macro spell_islands(source, keys) -%}
{%- set part = keys | join(', ') -%}
select {{ part }}, first_i, last_i,
       lag(last_i) over (partition by {{ part }} order by first_i) as prior_last_i
from (
    select {{ part }}, min(first_i) as first_i, max(last_i) as last_i
    from (
        select s.*, sum(s.starts) over (partition by {{ part }} order by s.first_i) as island
        from (
            select r.*,
                   case when r.first_i = lag(r.last_i) over (partition by {{ part }} order by r.first_i) + 1
                        then 0 else 1 end as starts
            from {{ source }} r
        ) s
    ) n
    group by {{ part }}, island
) i
{%- endmacro %}

{% macro month_of_index(i) -%}
    make_date(({{ i }}) / 12, ({{ i }}) % 12 + 1, 1)
{%- endmacro %}

{#- The CTEs shared by both models: `spells` (per entity and full attribute tuple, merged across year ends) and
    `movers` (entities with more than one tuple, numbered: ints partition and de-duplicate faster than ids). -#}
{% macro spell_ctes(bitmask_model, entity, attributes) -%}
{%- set attrs = attributes | join(', ') -%}
bits as (
    select m, b from generate_series(1, 4095) as m cross join generate_series(0, 11) as b where (m >> b) & 1 = 1
),
runs as (       -- every 12-bit month mask's runs of consecutive months (bit 0 = January)
    select m, min(b) as first_bit, max(b) as last_bit
    from (select m, b, b - row_number() over (partition by m order by b) as run from bits) x
    group by m, run
),
entity_runs as (
    select y.{{ entity }}, {% for a in attributes %}y.{{ a }}, {% endfor %}
           y.year * 12 + r.first_bit as first_i, y.year * 12 + r.last_bit as last_i
    from {{ bitmask_model }} y
    join runs r on r.m = y.months
),
spells as (
    {{ spell_islands('entity_runs', [entity] + attributes) | indent(4) }}
),
movers as (
    select {{ entity }}, (row_number() over (order by {{ entity }}))::int as entity_no
    from (select distinct {{ entity }}, {{ attrs }} from spells) t
    group by {{ entity }}
    having count(*) > 1
)
{%- endmacro %}

{#- Spell counts of `entity` per combination of `attributes`, from the distinct_year_bitmask model; `movers`
    tells the counts of entities with one tuple (false) from the movers' merged spells (true). -#}
{% macro distinct_spell_counts(bitmask_model, entity, attributes, measure) -%}
{%- set attrs = attributes | join(', ') -%}
{%- set n = attributes | length -%}
with {{ spell_ctes(bitmask_model, entity, attributes) }},
steady_fine as (
    select {{ attrs }}, s.first_i, s.last_i, s.prior_last_i, count(*)::bigint as n
    from spells s
    where not exists (select 1 from movers m where m.{{ entity }} = s.{{ entity }})
    group by {{ attrs }}, s.first_i, s.last_i, s.prior_last_i
),
steady as (
    select grouping({{ attrs }})::int as rolled_up, {{ attrs }}, first_i, last_i, prior_last_i, sum(n)::bigint as n
    from steady_fine
    group by first_i, last_i, prior_last_i, cube({{ attrs }})
),
mover_runs as ( -- each mover's spells with the attributes summed over blanked, for every combination
    select g.g as rolled_up, m.entity_no,
           {%- for a in attributes %}
           case when g.g & {{ 2 ** (n - 1 - loop.index0) }} = 0 then s.{{ a }} end as {{ a }},
           {%- endfor %}
           s.first_i, s.last_i
    from spells s
    join movers m on m.{{ entity }} = s.{{ entity }}
    cross join generate_series(0, {{ 2 ** n - 1 }}) as g(g)
),
mover_spells as (
    {{ spell_islands('mover_runs', ['rolled_up', 'entity_no'] + attributes) | indent(4) }}
),
counted as (
    select false as movers, rolled_up, {{ attrs }}, first_i, last_i, prior_last_i, n from steady
    union all
    select true, rolled_up, {{ attrs }}, first_i, last_i, prior_last_i, count(*)::bigint
    from mover_spells
    group by rolled_up, {{ attrs }}, first_i, last_i, prior_last_i
)
select
    c.rolled_up,
    {%- for a in attributes %}
    c.{{ a }},
    {%- endfor %}
    {{ month_of_index('c.first_i') }}                                                    as spell_first_month,
    {{ month_of_index('c.last_i') }}                                                     as spell_last_month,
    case when c.prior_last_i is not null then {{ month_of_index('c.prior_last_i') }} end as prior_last_month,
    c.movers,
    c.n                                                                                  as {{ measure }},
    (select max(b.source_batch_id) from {{ bitmask_model }} b)                           as source_batch_id
from counted c
{%- endmacro %}

{#- The movers' own spells (entity number, full attribute tuple, first and last month): with the steady
    counts of distinct_spell_counts they answer a set of members of an undrilled dimension (e.g. two districts
    together), where a mover between the members must be counted once — by a DISTINCT over these rows. -#}
{% macro distinct_mover_spells(bitmask_model, entity, attributes) -%}
with {{ spell_ctes(bitmask_model, entity, attributes) }}
select
    m.entity_no,
    {%- for a in attributes %}
    s.{{ a }},
    {%- endfor %}
    {{ month_of_index('s.first_i') }} as spell_first_month,
    {{ month_of_index('s.last_i') }}  as spell_last_month,
    (select max(b.source_batch_id) from {{ bitmask_model }} b) as source_batch_id
from spells s
join movers m on m.{{ entity }} = s.{{ entity }}
{%- endmacro %}
