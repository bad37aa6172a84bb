{#-
  A month pre-aggregate of a person-month fact for the cube (aggregate awareness): one row per month and
  combination of `dimensions` (fact columns), `fact_rows` = the fact rows behind it, and each of `sums`
  ([name, fact column, SQL type]) summed. Incremental like the fact: built for the months whose interfaces (the fact's own, found
  by staged_relations through the fact) have a newer load batch, carrying that batch.
-#}
{% macro month_preaggregate(fact, dimensions, sums) -%}
with months as (
    {{ month_batch() }}
)
select
    f.month_start,
    f.month_key,
    {%- for d in dimensions %}
    f.{{ d }},
    {%- endfor %}
    count(*)::bigint as fact_rows,
    {%- for name, column, type in sums %}
    sum(f.{{ column }})::{{ type }} as {{ name }},
    {%- endfor %}
    m.source_batch_id
from {{ fact }} f
join months m on m.month_start = f.month_start
where {{ in_months_to_build('f.month_start') }}
group by f.month_start, f.month_key, {% for d in dimensions %}f.{{ d }}, {% endfor %}m.source_batch_id
{%- endmacro %}
