{#-
  Generic exactness test of a distinct_spell_counts model (macros/distinct_spells.sql), cheap enough for every
  build:
  * every stored count of `period_model` (distinct_period_counts: each calendar year and quarter × every
    combination of the attributes) equals the spells' count over that year's / quarter's months — all
    GROUPING() combinations, so the per-combination merging of movers' spells is checked;
  * over the whole history (ranges across year ends, where spells of consecutive years are joined), the
    distinct entities Beijing-wide and by the first attribute equal count(distinct entity) of the lossless
    month masks in `bitmask_model` — from the spell counts, and from the steady entities' counts plus the
    distinct entities of `mover_model` (distinct_mover_spells), the way the cube answers sets of members.

      data_tests:
        - spell_counts_match:
            arguments:
              period_model: ref('agg_pension_contributor_period')
              mover_model: ref('agg_pension_contributor_mover_spell')
              bitmask_model: ref('agg_pension_contributor_year')
              entity: person_id
              attributes: [district_code, gender_code, ...]     # the models' GROUPING() order
              measure: contributors

  Returns one row per period, combination and member (or whole-history member) that differs. An empty source
  (a month loaded with FORCE whose files were not delivered) has 0 persons on both sides and passes.
-#}
{% test spell_counts_match(model, period_model, mover_model, bitmask_model, entity, attributes, measure) %}
{%- set n = attributes | length -%}
{%- set first = attributes[0] -%}
with periods as (
    select distinct period_grain, year, year_quarter,
           case when period_grain = 'year' then make_date(year, 1, 1)
                else make_date(year, 3 * right(year_quarter, 1)::int - 2, 1) end as lo,
           case when period_grain = 'year' then make_date(year, 12, 1)
                else make_date(year, 3 * right(year_quarter, 1)::int, 1) end as hi
    from {{ period_model }}
),
spelled as (
    select p.period_grain, p.year, p.year_quarter, s.rolled_up,
           {%- for a in attributes %}
           coalesce(s.{{ a }}::text, '~') as {{ a }},
           {%- endfor %}
           sum(s.{{ measure }}) as n
    from periods p
    join {{ model }} s on s.spell_first_month <= p.hi and s.spell_last_month >= p.lo
                      and (s.prior_last_month is null or s.prior_last_month < p.lo)
    group by p.period_grain, p.year, p.year_quarter, s.rolled_up{% for a in attributes %}, {{ loop.index + 4 }}{% endfor %}
),
stored as (
    select period_grain, year, year_quarter, rolled_up,
           {%- for a in attributes %}
           coalesce({{ a }}::text, '~') as {{ a }},
           {%- endfor %}
           {{ measure }} as n
    from {{ period_model }}
),
history_masks as (
    select '(all)'::text as {{ first }}, count(distinct {{ entity }}) as n from {{ bitmask_model }}
    union all
    select coalesce({{ first }}::text, '~'), count(distinct {{ entity }}) from {{ bitmask_model }} group by 1
),
history_spells as (     -- every spell meets the whole history; the first of each person and cell has no prior
    select case when rolled_up = {{ 2 ** n - 1 }} then '(all)' else coalesce({{ first }}::text, '~') end as {{ first }},
           sum({{ measure }}) as n
    from {{ model }}
    where prior_last_month is null and rolled_up in ({{ 2 ** n - 1 }}, {{ 2 ** (n - 1) - 1 }})
    group by 1
),
history_split as (      -- steady entities from the counts, movers by a DISTINCT over their own spells
    select {{ first }}, sum(n) as n
    from (
        select case when rolled_up = {{ 2 ** n - 1 }} then '(all)' else coalesce({{ first }}::text, '~') end
                   as {{ first }}, sum({{ measure }}) as n
        from {{ model }}
        where not movers and prior_last_month is null and rolled_up in ({{ 2 ** n - 1 }}, {{ 2 ** (n - 1) - 1 }})
        group by 1
        union all
        select '(all)', count(distinct entity_no) from {{ mover_model }}
        union all
        select coalesce({{ first }}::text, '~'), count(distinct entity_no) from {{ mover_model }} group by 1
    ) x
    group by 1
)
select 'period ' || coalesce(x.year_quarter, x.year::text, y.year_quarter, y.year::text) as checked,
       coalesce(x.rolled_up, y.rolled_up) as rolled_up,
       {%- for a in attributes %}
       coalesce(x.{{ a }}, y.{{ a }}) as {{ a }},
       {%- endfor %}
       y.n as expected, x.n as actual
from spelled x
full join stored y on y.period_grain = x.period_grain and y.year = x.year
                  and y.year_quarter is not distinct from x.year_quarter and y.rolled_up = x.rolled_up
                  {%- for a in attributes %} and y.{{ a }} = x.{{ a }}{% endfor %}
where x.n is distinct from y.n
union all
select 'whole history', null, {{ first }}{% for a in attributes[1:] %}, null{% endfor %}, e.n, a.n
from history_masks e
full join history_spells a using ({{ first }})
where coalesce(e.n, 0) <> coalesce(a.n, 0)     -- a source not delivered: 0 persons on both sides, no row
union all
select 'whole history, steady + movers', null, {{ first }}{% for a in attributes[1:] %}, null{% endfor %}, e.n, a.n
from history_masks e
full join history_split a using ({{ first }})
where coalesce(e.n, 0) <> coalesce(a.n, 0)
{% endtest %}
