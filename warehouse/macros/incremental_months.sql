{#-
  Month-incremental models: which months to (re)build, and which rows to test.

  A month is rebuilt when one of the interfaces behind the model has a load batch newer than the one the
  model last saw (a new month, or a corrected re-delivery of an old one). The newest batch per interface
  and month comes from the load audit (stg_audit__load_batches, a few hundred rows), never from scanning
  the raw tables; the model keeps it per row as `source_batch_id`, indexed with the month:

      {{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
                indexes=month_batch_index()) }}
      select ... from {{ ref('int_x__y') }} where {{ in_months_to_build('month_start') }}
      ... join ({{ month_batch() }}) b using (month_start)   → b.source_batch_id

  `in_months_to_build` renders the months as literals (`data_month in ('202412')`), so PostgreSQL reads
  only those months through the raw tables' month index (or the models' month index) instead of a scan.

  Which interfaces are "behind the model" is derived from the model's own `ref()`s (staged_relations):
  there is no list to keep in step with the SQL.
-#}

{#- The staging models (names) the model being built is made from: its staging refs, and those of the
    intermediate models and incremental models it reads, recursively. A non-incremental model of the marts
    (dim_district, dim_month, …) is rebuilt in full on every run and does not decide which months to rebuild,
    so the walk stops there; the load audit (stg_audit__*) is not an interface. At parse time: empty. -#}
{% macro staged_relations(node_id=none) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set names = [] -%}
    {%- set seen = [] -%}
    {%- set todo = [node_id or model.unique_id] -%}
    {%- for _ in range(10000) if todo | length > 0 -%}
        {%- set node = graph.nodes.get(todo.pop()) -%}
        {%- for dep in (node.depends_on.nodes if node else []) if dep.startswith('model.') and dep not in seen -%}
            {%- do seen.append(dep) -%}
            {%- set up = graph.nodes[dep] -%}
            {%- if up.name.startswith('stg_') -%}
                {%- if not up.name.startswith('stg_audit__') -%}{%- do names.append(up.name) -%}{%- endif -%}
            {%- elif 'intermediate' in up.fqn or up.config.materialized == 'incremental' -%}
                {%- do todo.append(dep) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names | unique | sort | list) }}
{%- endmacro %}

{#- The raw tables (interface names) behind staging models (names; relations are accepted too). -#}
{% macro interfaces_of(staging_models) -%}
    {%- set wanted = [] -%}
    {%- for r in staging_models -%}{%- do wanted.append(r if r is string else r.identifier) -%}{%- endfor -%}
    {%- set names = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name in wanted -%}
        {%- for dep in node.depends_on.nodes if dep.startswith('source.') -%}
            {%- do names.append(graph.sources[dep].identifier) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names | unique | list) }}
{%- endmacro %}

{#- The query for the newest load batch behind each month, across the interfaces the model is built from. -#}
{% macro month_batch_query(month_column='month_start') -%}
    {%- set interfaces = interfaces_of(staged_relations()) if execute else [] -%}
    select month_start as {{ month_column }}, max(batch_id) as source_batch_id
    from {{ ref('stg_audit__load_batches') }}
    where interface in ({% for i in interfaces %}'{{ i }}'{% if not loop.last %}, {% endif %}{% else %}null{% endfor %})
    group by 1
{%- endmacro %}

{#- The newest load batch behind each month (store it as source_batch_id), as literal rows read when the model
    is compiled — the same moment `in_months_to_build` reads its months. Literals, not the audit query itself:
    joined to a month computed from the raw text (staging's month_start), the query's one-row-per-month result
    made PostgreSQL expect a few dozen rows where a month has hundreds of thousands, and it chose a merge join on
    the month alone with every other join column as a filter — int_pension__person_month took 649 s for a
    first month at scale 0.01 (bench/results/scale.md §6). With literal rows the month is a constant. -#}
{% macro month_batch(month_column='month_start') -%}
    {%- set query = month_batch_query(month_column) -%}{#- at parse time this records the ref to the load audit -#}
    {%- set rows = run_query(query ~ ' order by 1').rows if execute else [] -%}
    {%- if rows | length == 0 -%}
    select null::date as {{ month_column }}, null::bigint as source_batch_id where false
    {%- else -%}
    select {{ month_column }}, source_batch_id from (values
        {%- for r in rows %} (date '{{ r[0] }}', {{ r[1] }}::bigint){% if not loop.last %},{% endif %}{% endfor %}
    ) as batches ({{ month_column }}, source_batch_id)
    {%- endif -%}
{%- endmacro %}

{#- Months to (re)build, as a list of 'YYYY-MM-DD' strings (at parse time: empty). -#}
{% macro months_to_build_list(month_column='month_start') -%}
    {%- if not execute -%}{%- do ref('stg_audit__load_batches') -%}{{ return([]) }}{%- endif -%}
    {%- set sql -%}
        select to_char(b.{{ month_column }}, 'YYYY-MM-DD')
        from ({{ month_batch_query(month_column) }}) b
        {%- if is_incremental() %}
        where b.source_batch_id > coalesce(
            (select max(t.source_batch_id) from {{ this }} t where t.{{ month_column }} = b.{{ month_column }}), 0)
        {%- endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{#- `column in (<months to build>)` with literal months; `column` is a date (month_start) or the raw
    'YYYYMM' text (data_month, which the raw tables are indexed on). Nothing to build → false. -#}
{% macro in_months_to_build(column='month_start', month_column='month_start') -%}
    {%- set months = months_to_build_list(month_column) -%}
    {%- if months | length == 0 -%}
        false
    {%- elif column.split('.')[-1] == 'data_month' -%}
        {{ column }} in ({% for m in months %}'{{ m[0:4] ~ m[5:7] }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- else -%}
        {{ in_month_list(column, months) }}
    {%- endif -%}
{%- endmacro %}

{#- The index every month-incremental model carries: finds a month's rows and its batch without a scan. -#}
{% macro month_batch_index(month_column='month_start') -%}
    {{ return([{'columns': [month_column, 'source_batch_id']}]) }}
{%- endmacro %}

{#- 'YYYY-MM-DD' month strings shifted by `n` months (n may be negative). -#}
{% macro shift_month_list(months, n) -%}
    {%- set out = [] -%}
    {%- for m in months -%}
        {%- set k = (m[0:4] | int) * 12 + (m[5:7] | int) - 1 + n -%}
        {%- do out.append('%04d-%02d-01' | format(k // 12, k % 12 + 1)) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- `column in (<months>)` with literal dates; an empty list → false. -#}
{% macro in_month_list(column, months) -%}
    {%- if months | length == 0 -%}false{%- else -%}
    {{ column }} in ({% for m in months | unique | sort %}date '{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- The body of a month-incremental copy of a few columns of a staging model, duplicates dropped (the registration
    tables that let the models rebuilt whole read every month without raw: pipeline/raw_retention.py). -#}
{% macro month_distinct_columns(staging_model, columns) -%}
select distinct
    {%- for c in columns %}
    s.{{ c }},
    {%- endfor %}
    b.source_batch_id
from {{ ref(staging_model) }} s
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('s.data_month') }}
{%- endmacro %}
