{#-
  Which rows a generic test reads, declared at the test (config `where`):

      - not_null: {config: {where: __changed_rows__}}      # row-level test on a month-incremental model
      - sums_match: {arguments: {...}, config: {where: __all_rows__}}   # balance test: every row

  `__changed_rows__`: only the rows rebuilt since the last build whose tests all passed — rows with
  source_batch_id > var('tested_through_batch'). pipeline/build.py passes the watermark it recorded for that build
  (audit.run_log); 0 (the default, and on a full refresh or `make build TEST_ALL=1`) tests every row. Rows of
  a month are only ever rewritten together with a newer batch, so untested rows always carry a batch above
  the watermark.
  `__all_rows__`: every row, whatever the watermark (balance tests compare whole months with another model).
  `__changed_months__` (sums_match only, both models month-incremental, month_start among the groups): the
  balance test reads, on both sides, only the months that have a row above the watermark in either model — whole
  months, so the comparison is the same as over every row for those months; the other months were compared
  whole by an earlier passing build and neither side has rewritten them since (a month is only rewritten with a
  newer batch). 0 as watermark reads every month. sums_match does the scoping itself (it reads two models).
  Any other `where` is used as written (dbt's behaviour).

  A generic test on an incremental model MUST declare one of the two: without it the build stops with an
  error naming the test, so a new test is never silently unscoped (tests/unit/test_dbt_test_scope.py checks
  the YAML the same way without a database).

  dbt's documented extension point for `where` placeholders is this macro (get_where_subquery, which every
  generic test uses to read the model under test); no test name is listed here.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') or '' -%}
    {%- if where | trim in ('__all_rows__', '__changed_months__') -%}
        {%- do return(relation) -%}
    {%- elif where | trim == '__changed_rows__' -%}
        {%- set watermark = var('tested_through_batch', 0) | int -%}
        {%- if watermark > 0 -%}
            {%- do return('(select * from ' ~ relation ~ ' where source_batch_id > ' ~ watermark ~ ') dbt_subquery') -%}
        {%- endif -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- if execute and not where and model is mapping and model.get('test_metadata') -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.alias == relation.identifier
                 and node.schema == relation.schema and node.config.materialized == 'incremental' -%}
            {%- do exceptions.raise_compiler_error(
                  "generic test '" ~ model.name ~ "' on the incremental model '" ~ node.name ~ "' declares no scope: "
                  ~ "add config: {where: __changed_rows__} (row-level test: rows rebuilt since the last passing build) "
                  ~ "or config: {where: __all_rows__} (every row) at the test (see macros/test_scope.sql)") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
