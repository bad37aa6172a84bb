{#- Map a raw district code (current or retired, GB/T 2260) to the current district; unknown → 999999. -#}
{% macro current_district(code_column) -%}
    coalesce((select zz_district.current_code from {{ ref('code_district') }} zz_district where zz_district.code = {{ code_column }}), '999999')
{%- endmacro %}

{#- Keep a code if it is in the code table, otherwise the unknown member '99' (new codes are reported, never dropped). -#}
{% macro known_code(code_column, code_table, unknown='99') -%}
    case when exists (select 1 from {{ ref(code_table) }} zz_code where zz_code.code = {{ code_column }})
         then {{ code_column }} else '{{ unknown }}' end
{%- endmacro %}

{#- Age band code of a person at the end of a month. -#}
{% macro age_band(birth_date, month_start) -%}
    (select zz_band.code from {{ ref('code_age_band') }} zz_band
      where date_part('year', age(({{ month_start }} + interval '1 month - 1 day')::date, {{ birth_date }}))
            between zz_band.min_age and zz_band.max_age)
{%- endmacro %}
