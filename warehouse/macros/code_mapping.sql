{#-
  Code mapping inside a select list. The code tables are a few dozen rows, so their contents are
  inlined into the SQL when the model is compiled (a CASE / IN list): a correlated lookup per row
  costs 3–5 times more on the person × month models (measured: age band 11.6 s → 2.4 s per month of
  1.8 M rows at scale 0.1). Before the seeds exist (e.g. `dbt compile` on an empty database) the
  macros fall back to the equivalent lookup subquery. A changed code table restates history on a full
  rebuild (`make build FULL_REFRESH=1`); an incremental build applies it to the rebuilt months only.
-#}

{#- Rows of a code table as tuples of the given columns, or none when it cannot be read yet. -#}
{% macro code_table_rows(code_table, columns) -%}
    {%- set rel = ref(code_table) -%}
    {#- a unit test's fixture (a CTE: no schema) is read through the lookup form like a missing table -#}
    {%- if not execute or rel.schema is none or rel.identifier is none
           or adapter.get_relation(rel.database, rel.schema, rel.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(run_query('select ' ~ columns | join(', ') ~ ' from ' ~ rel ~ ' order by 1').rows) }}
{%- endmacro %}

{% macro sql_text(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- Map a raw district code (current or retired, GB/T 2260) to the current district; unknown → 999999. -#}
{% macro current_district(code_column) -%}
    {%- set rows = code_table_rows('code_district', ['code', 'current_code']) -%}
    {%- if rows is none -%}
    coalesce((select zz_district.current_code from {{ ref('code_district') }} zz_district where zz_district.code = {{ code_column }}), '999999')
    {%- else -%}
    case {{ code_column }}{% for r in rows if r[1] is not none %} when {{ sql_text(r[0]) }} then {{ sql_text(r[1]) }}{% endfor %} else '999999' end
    {%- endif -%}
{%- endmacro %}

{#- Keep a code if it is in the code table, otherwise the unknown member '99' (new codes are reported, never dropped). -#}
{% macro known_code(code_column, code_table, unknown='99') -%}
    {%- set rows = code_table_rows(code_table, ['code']) -%}
    {%- if rows is none -%}
    case when exists (select 1 from {{ ref(code_table) }} zz_code where zz_code.code = {{ code_column }})
         then {{ code_column }} else '{{ unknown }}' end
    {%- elif rows | length == 0 -%}
    '{{ unknown }}'
    {%- else -%}
    case when {{ code_column }} in ({% for r in rows %}{{ sql_text(r[0]) }}{% if not loop.last %}, {% endif %}{% endfor %}) then {{ code_column }} else '{{ unknown }}' end
    {%- endif -%}
{%- endmacro %}

{#- Age band code of a person at the end of a month (null when no band covers the age). -#}
{% macro age_band(birth_date, month_start) -%}
    {%- set age -%}date_part('year', age(({{ month_start }} + interval '1 month - 1 day')::date, {{ birth_date }})){%- endset -%}
    {%- set rows = code_table_rows('code_age_band', ['min_age', 'max_age', 'code']) -%}
    {%- set ns = namespace(contiguous=(rows is not none and rows | length > 0)) -%}
    {%- if ns.contiguous -%}
        {%- for i in range(1, rows | length) -%}
            {%- if rows[i][0] != rows[i - 1][1] + 1 -%}{%- set ns.contiguous = false -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not ns.contiguous -%}
    (select zz_band.code from {{ ref('code_age_band') }} zz_band
      where {{ age }} between zz_band.min_age and zz_band.max_age)
    {%- else -%}
    {#- bands are contiguous: one bucket lookup instead of a scan of the bands -#}
    (array[{% for r in rows %}{{ sql_text(r[2]) }}{% if not loop.last %}, {% endif %}{% endfor %}]::text[])[
        case when {{ age }} between {{ rows[0][0] }} and {{ rows[-1][1] }}
             then width_bucket({{ age }}, array[{% for r in rows[1:] %}{{ r[0] }}{% if not loop.last %}, {% endif %}{% endfor %}]::numeric[]) + 1 end]
    {%- endif -%}
{%- endmacro %}
