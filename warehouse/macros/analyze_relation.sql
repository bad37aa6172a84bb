{#-
  Post-hook of every table and incremental model (dbt_project.yml): fresh planner statistics before the next
  model reads it. An incremental model has just replaced a month; without this PostgreSQL plans the downstream
  models with the statistics of before (autovacuum has not come round yet), estimates one row for the new month
  and picks nested loops that take hours at scale instead of seconds. Views are left alone.
-#}
{% macro analyze_relation() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
