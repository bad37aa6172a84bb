{#-
  Generic tests on month-incremental models check only the rows rebuilt since the last build whose
  tests all passed: rows with source_batch_id > var('tested_through_batch'). ops/build.py passes the
  watermark it recorded for that build (audit.run_log); 0 (the default, and on a full refresh or
  `make build TEST_ALL=1`) tests every row. Rows of a month are only ever rewritten together with a
  newer batch, so untested rows always carry a batch above the watermark. Overrides dbt's
  get_where_subquery, which every generic test uses to read the model under test. Only row-level tests
  are scoped: a balance test (sums_match, matches_check_table) compares whole months against another
  model and always reads every row.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set watermark = var('tested_through_batch', 0) | int -%}
    {%- set test_meta = model.get('test_metadata') if model is mapping else none -%}
    {%- set row_level = test_meta is not none and test_meta.get('name') in
                        ['unique_combination', 'unique', 'not_null', 'accepted_values', 'relationships'] -%}
    {%- if watermark > 0 and execute and row_level -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.alias == relation.identifier
                 and node.schema == relation.schema and node.config.materialized == 'incremental' -%}
            {%- set changed = 'source_batch_id > ' ~ watermark -%}
            {%- set where = '(' ~ where ~ ') and ' ~ changed if where else changed -%}
            {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
