{#- The columns every governance source's staging model opens with (one definition instead of a copy per model).

    stg_month_columns(): the data month as the first day of the month (month_start) and as delivered (data_month).
    stg_person_columns(id_column, name_column, gender_column, birth_column): for a person record, the ID number
    normalised (normalize_id: 15 → 18 digits, upper-case X) under its own name and as delivered (<id>_raw, what
    identity resolution and the feedback files show the provider), then the name, the gender code and the birth
    date; pass none for a column the source does not deliver.
-#}
{% macro stg_month_columns() -%}
    to_date(data_month, 'YYYYMM') as month_start,
    data_month
{%- endmacro %}

{% macro stg_person_columns(id_column='id_number', name_column='person_name', gender_column='gender',
                            birth_column='birth_date') -%}
    {{ normalize_id(id_column) }} as {{ id_column }},
    {{ id_column }} as {{ id_column }}_raw
    {%- if name_column %},
    {{ name_column }}
    {%- endif %}
    {%- if gender_column %},
    {{ gender_column }} as {{ gender_column }}_code
    {%- endif %}
    {%- if birth_column %},
    {{ birth_column }}
    {%- endif %}
{%- endmacro %}
