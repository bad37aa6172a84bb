{#- The current daily (T+1) state of a 按日 source over its monthly roll-ups (loaders/daily.py, raw.<interface>_daily).

    with_daily_state(monthly, daily, key, kind): a subquery with the monthly raw table's columns (data_month, the
    interface's columns, _batch_id) to select from instead of the monthly source.

    Rule — the monthly roll-up wins up to its month end, the daily state after it: a roll-up of month M is the
    source's state at M's last day (kind 'snapshot') or its registrations of M (kind 'events', 死亡注销). The keys
    with a daily version opened or closed after that day (the first day of M+1 on) are taken from the daily state:
    - snapshot: in the latest month M their monthly rows are replaced by their current daily row (an insert adds the
      key, an update replaces it, a delete drops it); earlier months are never touched, so the month stays M and
      every library keeps its as-of month;
    - events: their monthly rows are replaced by the current daily row, in the month of its business date.
    Days up to M's end are already in M's roll-up (the roll-up is reconciled and complete) and are ignored, so the
    roll-up of M+1, once loaded, supersedes the days of M+1 on its own. Without a daily table, or without a daily
    version after the month end, the result is exactly the monthly table (tests/integration/test_topics.py
    test_a_daily_death_refreshes_only_the_libraries_it_feeds compares the topic tables with EXCEPT ALL both ways). Daily rows have no load batch (_batch_id null).

    The daily table is created by the daily loader's first run: until then the model compiles to the monthly
    source alone (the lineage to the daily source is declared either way, for `--select source:…+`).
-#}
{% macro with_daily_state(monthly, daily, key, kind='snapshot') -%}
{%- set cols = [] -%}
{%- if execute -%}
    {%- set rel = adapter.get_relation(database=daily.database, schema=daily.schema, identifier=daily.identifier) -%}
    {%- if rel is not none -%}
        {%- for c in adapter.get_columns_in_relation(rel) if not c.name.startswith('_') -%}
            {%- do cols.append(c.name) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endif -%}
{%- if not cols -%}
{{ monthly }}
{%- else -%}
{%- set match = [] -%}
{%- for k in key %}{% do match.append('x.' ~ k ~ ' = m.' ~ k) %}{% endfor -%}
(
    with latest as (
        select max(data_month) as data_month from {{ monthly }}
    ),
    cutoff as (  -- the first day after the latest roll-up's month (no roll-up yet: every daily version counts)
        select coalesce((to_date(data_month, 'YYYYMM') + interval '1 month')::date, date '0001-01-01') as after_day
        from latest
    ),
    changed as (  -- keys with a daily change after the roll-up: inserted, updated or deleted since its month end
        select distinct {{ key | join(', ') }}
        from {{ daily }} d
        where d._valid_from >= (select after_day from cutoff) or d._valid_to >= (select after_day from cutoff)
    )
    select m.data_month, {% for c in cols %}m.{{ c }}, {% endfor %}m._batch_id
    from {{ monthly }} m
    where not exists (select 1 from changed x where {{ match | join(' and ') }})
    {%- if kind == 'snapshot' %}
       or m.data_month <> (select data_month from latest)
    {%- endif %}
    union all
    select {% if kind == 'snapshot' -%}
           coalesce((select data_month from latest), to_char(m._valid_from, 'YYYYMM'))
           {%- else -%} to_char(m._valid_from, 'YYYYMM') {%- endif %} as data_month,
           {% for c in cols %}m.{{ c }}, {% endfor %}null as _batch_id
    from {{ daily }} m
    where m._valid_to is null and exists (select 1 from changed x where {{ match | join(' and ') }})
)
{%- endif %}
{%- endmacro %}
