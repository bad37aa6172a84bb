{#- The months raw still holds of every one of the given raw sources (relations): the month partitions present in all
    of them. Older months may have been archived and detached (pipeline/raw_retention.py), so a test that balances a
    mart against the staged detail compares these months only — an archived month's mart was tested against its
    detail when it was built. -#}
{% macro raw_months_held(sources) -%}
    {%- for s in sources %}
    {% if not loop.first %}intersect
    {% endif -%}
    select to_date(right(c.relname, 6), 'YYYYMM') as month_start
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = to_regclass('{{ s.schema }}.{{ s.identifier }}')
    {%- endfor %}
{%- endmacro %}
