{#-
  Generic balance test: sums of `measures` in this model, grouped by `group_by`, equal the sums in
  `compare_model` grouped by `compare_group_by` (default the same columns). Use it for
  "category sums equal totals", "detail equals statistics" and "marts equal the DW".

      data_tests:
        - sums_match:
            arguments:
              compare_model: ref('fct_x')
              measures: [contribution_income, pension_paid]      # same names on both sides, or
              # compare_measures: [income, paid]                 # the names in compare_model
              group_by: [month_start]
              # compare_group_by: [month_start]

  Returns each group and measure that differs, with both values and the difference.
  The Beijing row (district_code 110000) of a month × district mart (one with district_code and district_sort;
  macros/beijing_total.sql) is a total of the other rows, so it is left out on either side; that it equals the
  sum of the districts is tested by assert_overview_beijing_equals_districts.

  config: {where: __changed_months__} (both models month-incremental, month_start in group_by) compares only the
  months with a row of a load batch above the build's watermark in either model (macros/test_scope.sql): the
  balance test of an incremental build reads the new months, not the whole fact.
-#}

{#- The month column of the compare model (the one paired with month_start), or none when the test reads
    every month: scope not __changed_months__, watermark 0 (full refresh, TEST_ALL), or not at execution. -#}
{% macro sums_match_month_scope(model, compare_model, group_by, cgb) -%}
    {%- if (config.get('where') or '') | trim != '__changed_months__' or (var('tested_through_batch', 0) | int) == 0 -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if 'month_start' not in group_by -%}
        {%- do exceptions.raise_compiler_error("sums_match with where __changed_months__ must group by month_start") -%}
    {%- endif -%}
    {%- if execute -%}
        {%- for rel in [model, compare_model] -%}
            {%- set incremental = [] -%}
            {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == rel.identifier
                                                   and node.schema == rel.schema -%}
                {%- do incremental.append(node.config.materialized == 'incremental') -%}
            {%- endfor -%}
            {%- if incremental != [true] -%}
                {%- do exceptions.raise_compiler_error("sums_match with where __changed_months__ on " ~ rel.identifier
                      ~ ": both models must be month-incremental (a table rebuilt whole may change any month)") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do return(cgb[group_by.index('month_start')]) -%}
{%- endmacro %}



{% test sums_match(model, compare_model, measures, group_by, compare_group_by=none, compare_measures=none) %}
{%- set cgb = compare_group_by or group_by -%}
{%- set cms = compare_measures or measures -%}
{%- set compare_month = sums_match_month_scope(model, compare_model, group_by, cgb) -%}
{%- set watermark = var('tested_through_batch', 0) | int -%}
with
{%- if compare_month %}
changed_months as (
    select month_start as m from {{ model }} where source_batch_id > {{ watermark }}
    union
    select {{ compare_month }} from {{ compare_model }} where source_batch_id > {{ watermark }}
),
{%- endif %}
this_side as (
    {%- for m in measures %}
    select {% for g in group_by %}{{ g }}::text as g{{ loop.index }}, {% endfor %}'{{ m }}'::text as measure,
           sum({{ m }})::numeric as value
    from {{ model }} where {{ not_beijing_row(model) }}
    {%- if compare_month %} and month_start in (select m from changed_months){% endif %}
    group by {% for g in group_by %}{{ loop.index }}{% if not loop.last %}, {% endif %}{% endfor %}
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),
other_side as (
    {%- for m in cms %}
    {%- set mi = loop.index0 %}
    select {% for g in cgb %}{{ g }}::text as g{{ loop.index }}, {% endfor %}'{{ measures[mi] }}'::text as measure,
           sum({{ m }})::numeric as value
    from {{ compare_model }} where {{ not_beijing_row(compare_model) }}
    {%- if compare_month %} and {{ compare_month }} in (select m from changed_months){% endif %}
    group by {% for g in cgb %}{{ loop.index }}{% if not loop.last %}, {% endif %}{% endfor %}
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
)
select {% for g in group_by %}coalesce(a.g{{ loop.index }}, b.g{{ loop.index }}) as {{ g }}, {% endfor %}
       coalesce(a.measure, b.measure) as measure, a.value as model_value, b.value as compare_value,
       coalesce(a.value, 0) - coalesce(b.value, 0) as difference
from this_side a
full join other_side b
    on a.measure = b.measure {% for g in group_by %}and a.g{{ loop.index }} is not distinct from b.g{{ loop.index }} {% endfor %}
where coalesce(a.value, 0) <> coalesce(b.value, 0)
{% endtest %}
