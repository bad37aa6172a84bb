{#-
  The Beijing row (全市) of a month × district overview mart: district_code 110000 (GB/T 2260 北京市),
  district_name 北京市(全市), district_sort 0, every additive column the SUM of the month's district rows,
  999999 未知区县 included. Ratios and growth rates of the mart are then computed on it exactly as on a
  district row (ratios of the summed numerators and denominators, never sums or averages of ratios), so
  dashboards and reports read Beijing from the mart and never re-add districts themselves.

      grid_districts as ( ...one row per month × district... ),
      grid as (
          select * from grid_districts
          union all
          {{ beijing_total('grid_districts', ['month_start', 'month_key', 'month_label'],
                           ['insured:bigint', 'contribution_income:numeric(18,2)', ...]) }}
      )

  keys: the month columns before district_code (in the relation's column order); measures: every column after
  district_sort, in order, as name:type (each summed and cast back to its type). Distinct person counts may be
  summed because every person-month fact has one row per person and month, in one district.
  assert_overview_beijing_equals_districts (tests/) proves Beijing = Σ districts for every overview mart.
-#}
{% macro beijing_total(relation, keys, measures) -%}
    select {% for k in keys %}{{ k }}, {% endfor %}'110000'::text as district_code, '北京市(全市)'::text as district_name,
           0 as district_sort
           {%- for m in measures %}{% set name, type = m.split(':', 1) %},
           sum({{ name }})::{{ type }} as {{ name }}
           {%- endfor %}
    from {{ relation }}
    group by {% for k in keys %}{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endmacro %}

{#- The district code of the Beijing row (for filters: `district_code <> {{ beijing_code() }}`). -#}
{% macro beijing_code() %}'110000'{% endmacro %}

{#- A condition true for every row but the Beijing total row of a month × district mart (one with the columns
    district_code and district_sort, macros/beijing_total.sql); `true` for any other relation (a city-level mart
    such as the 12333 overview keeps its 110000 rows). For tests that add district rows up. -#}
{% macro not_beijing_row(relation, alias=none) -%}
    {%- set cols = (adapter.get_columns_in_relation(relation) | map(attribute='name') | list) if execute else [] -%}
    {%- if 'district_code' in cols and 'district_sort' in cols -%}
        {{ alias ~ '.' if alias }}district_code is distinct from {{ beijing_code() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
