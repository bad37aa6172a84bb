{#-
  Incremental monthly facts: which months to (re)build.

  A month is rebuilt when its staged rows carry a load batch newer than the one the fact last saw
  (a new month, or a corrected re-delivery of an old one). Use with
      config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert')
  so that every row of a rebuilt month is replaced (rows that disappeared upstream disappear too),
  and keep the batch in the fact as `source_batch_id`:

      where month_start in ({{ months_to_build([ref('stg_x__y'), ref('stg_x__z')]) }})
      ... join ({{ month_batch([ref('stg_x__y'), ref('stg_x__z')]) }}) b using (month_start)
          → b.source_batch_id
-#}
{% macro months_to_build(staging_relations, month_column='month_start') -%}
    {%- set relations = staging_relations if staging_relations is iterable and staging_relations is not string
                        and staging_relations is not mapping and (staging_relations | list | length) > 0
                        and staging_relations[0] is defined else [staging_relations] -%}
    select s.{{ month_column }}
    from (
        {%- for r in relations %}
        select {{ month_column }}, max(batch_id) as batch_id from {{ r }} group by 1
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) s
    group by s.{{ month_column }}
    {%- if is_incremental() %}
    having max(s.batch_id) > coalesce(
        (select max(t.source_batch_id) from {{ this }} t where t.{{ month_column }} = s.{{ month_column }}), 0)
    {%- endif -%}
{%- endmacro %}

{#- The newest load batch behind a month, across the staged relations (store it as source_batch_id). -#}
{% macro month_batch(staging_relations, month_column='month_start') -%}
    {%- set relations = staging_relations if staging_relations is not string and staging_relations[0] is defined
                        else [staging_relations] -%}
    select {{ month_column }}, max(batch_id) as source_batch_id
    from (
        {%- for r in relations %}
        select {{ month_column }}, max(batch_id) as batch_id from {{ r }} group by 1
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) b
    group by 1
{%- endmacro %}
