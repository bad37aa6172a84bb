{#-
  Masking of personal identifiers for the marts that dashboards read (the same partial masking as the data
  services' `verify` mode, services/engine.py mask_value):
    mask_id_number: first 6 and last 4 characters kept, the rest '*' (110105********1234); 10 characters or
                    fewer: all '*'.
    mask_person_name: the first character kept, the rest '*' (张*, 欧阳**); a one-character name: '*' added.
  Used at build time, so the clear identifier never reaches the table: nothing downstream (publish, Superset's
  drill to detail, SQL Lab) can unmask it.
-#}
{% macro mask_id_number(expr) -%}
    case
        when {{ expr }} is null then null
        when length({{ expr }}) > 10
            then left({{ expr }}, 6) || repeat('*', length({{ expr }}) - 10) || right({{ expr }}, 4)
        else repeat('*', length({{ expr }}))
    end
{%- endmacro %}

{% macro mask_person_name(expr) -%}
    case
        when {{ expr }} is null or {{ expr }} = '' then {{ expr }}
        else left({{ expr }}, 1) || repeat('*', greatest(length({{ expr }}) - 1, 1))
    end
{%- endmacro %}

{#- Generic test: the column holds no clear ID number (18 characters, digits and a final digit or X, nothing
    masked); rows returned are the offenders. -#}
{% test not_clear_id_number(model, column_name) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} ~ '^[0-9]{17}[0-9X]$' or {{ column_name }} !~ '^[0-9]{6}[*]+[0-9X]{4}$|^[*]+$'
{% endtest %}
