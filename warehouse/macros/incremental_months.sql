{#-
  Month-incremental models: which months to (re)build, and which rows to test.

  A month is rebuilt when one of the interfaces behind the model has a load batch newer than the one the
  model last saw (a new month, or a corrected re-delivery of an old one). The newest batch per interface
  and month comes from the load audit (stg_audit__load_batches, a few hundred rows), never from scanning
  the raw tables; the model keeps it per row as `source_batch_id`, indexed with the month:

      {{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
                indexes=month_batch_index()) }}
      {%- set staged = [ref('stg_x__y'), ref('stg_x__z')] %}
      select ... from {{ ref('stg_x__y') }} where {{ in_months_to_build(staged, 'data_month') }}
      ... join ({{ month_batch(staged) }}) b using (month_start)   → b.source_batch_id

  `in_months_to_build` renders the months as literals (`data_month in ('202412')`), so PostgreSQL reads
  only those months through the raw tables' month index (or the models' month index) instead of a scan.
  Staged relations are the staging views; the interfaces behind them are found in dbt's graph.
-#}

{#- The raw tables (interface names) behind staging relations. -#}
{% macro interfaces_of(staging_relations) -%}
    {%- set names = [] -%}
    {%- for r in staging_relations -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == r.identifier -%}
            {%- for dep in node.depends_on.nodes if dep.startswith('source.') -%}
                {%- do names.append(graph.sources[dep].identifier) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names | unique | list) }}
{%- endmacro %}

{#- The newest load batch behind each month, across the staged relations (store it as source_batch_id). -#}
{% macro month_batch(staging_relations, month_column='month_start') -%}
    {%- set relations = [staging_relations] if staging_relations is string or staging_relations.identifier is defined
                        else staging_relations -%}
    {%- set interfaces = interfaces_of(relations) if execute else [] -%}
    select month_start as {{ month_column }}, max(batch_id) as source_batch_id
    from {{ ref('stg_audit__load_batches') }}
    where interface in ({% for i in interfaces %}'{{ i }}'{% if not loop.last %}, {% endif %}{% else %}null{% endfor %})
    group by 1
{%- endmacro %}

{#- Months to (re)build, as a list of 'YYYY-MM-DD' strings (at parse time: empty). -#}
{% macro months_to_build_list(staging_relations, month_column='month_start') -%}
    {%- if not execute -%}{%- do ref('stg_audit__load_batches') -%}{{ return([]) }}{%- endif -%}
    {%- set sql -%}
        select to_char(b.{{ month_column }}, 'YYYY-MM-DD')
        from ({{ month_batch(staging_relations, month_column) }}) b
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
{% macro in_months_to_build(staging_relations, column='month_start', month_column='month_start') -%}
    {%- set months = months_to_build_list(staging_relations, month_column) -%}
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
