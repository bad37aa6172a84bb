{#- Industry division (GB/T 4754-2017 大类) of a delivered division and section, consistent with the section:
    the division when it is in code_industry_division and belongs to the section; otherwise the section's
    unknown division '<section>99' (e.g. 'C99' 制造业下未知大类); '99' when the section itself is unknown.
    So the division always rolls up to the section the row carries (dim_industry). Uncorrelated IN lists,
    which PostgreSQL answers from a hash of the 97 + 20 code rows. -#}
{% macro industry_division(division_column, section_column) -%}
    case when {{ section_column }} in (select zz_s.code from {{ ref('code_industry_section') }} zz_s)
         then case when ({{ division_column }}, {{ section_column }}) in
                        (select zz_d.code, zz_d.section_code from {{ ref('code_industry_division') }} zz_d)
                   then {{ division_column }} else {{ section_column }} || '99' end
         else '99' end
{%- endmacro %}
