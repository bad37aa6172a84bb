{#- A conformed dimension from a code table: every code with its name (and the extra columns given), plus
    the 未知 member that unknown codes are mapped to in the ODS (macros/code_mapping.sql known_code). -#}
{% macro code_dimension(code_table, key, unknown_code, extra_columns=[], unknown_extra=[]) -%}
select code as {{ key }}_code, name as {{ key }}_name
       {%- for c in extra_columns %}, {{ c }}{% endfor %}
from {{ ref(code_table) }}
union all
select '{{ unknown_code }}', '未知'{% for v in unknown_extra %}, {{ v }}{% endfor %}
{%- endmacro %}
