{#- Identity normalisation (GB 11643 resident ID numbers, GB 32100 credit codes), inlined as SQL expressions.

    normalize_id(col): trimmed, upper-case X; a 15-digit number of the first generation becomes 18 digits
    (century 19 inserted after the 6-digit address, check character computed). Anything else is kept as given
    (upper-cased) so a malformed number stays visible to the governance rules instead of vanishing.
-#}
{% macro id_check_char(first17) -%}
    substr('10X98765432', 1 + (
    {%- for w in [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] -%}
        {{ w }} * (ascii(substr({{ first17 }}, {{ loop.index }}, 1)) - 48){% if not loop.last %} + {% endif %}
    {%- endfor -%}
    ) % 11, 1)
{%- endmacro %}

{% macro normalize_id(col) -%}
    (case
        when upper(btrim({{ col }})) ~ '^[0-9]{15}$' then
            substr(btrim({{ col }}), 1, 6) || '19' || substr(btrim({{ col }}), 7, 9)
            || {{ id_check_char("substr(btrim(" ~ col ~ "), 1, 6) || '19' || substr(btrim(" ~ col ~ "), 7, 9)") }}
        else upper(btrim({{ col }}))
    end)
{%- endmacro %}

{#- True when an (already normalised) ID number has 18 characters and its check character is right. -#}
{% macro id_is_valid(norm) -%}
    ({{ norm }} ~ '^[0-9]{17}[0-9X]$' and substr({{ norm }}, 18, 1) = {{ id_check_char(norm) }})
{%- endmacro %}

{#- Birth date and gender carried by a normalised ID number (null when the digits are not a date). -#}
{% macro id_birth_date(norm) -%}
    (case when {{ norm }} ~ '^[0-9]{17}' and substr({{ norm }}, 11, 2) between '01' and '12'
               and substr({{ norm }}, 13, 2) between '01' and '31'
          then to_date(substr({{ norm }}, 7, 8), 'YYYYMMDD') end)
{%- endmacro %}

{% macro id_gender(norm) -%}
    (case when {{ norm }} ~ '^[0-9]{17}' then case when substr({{ norm }}, 17, 1)::int % 2 = 1 then '1' else '2' end end)
{%- endmacro %}

{#- The 组织机构代码 (GB 11714, 'XXXXXXXX-X') carried in positions 9–17 of a credit code. -#}
{% macro org_code_of_credit(credit) -%}
    (substr({{ credit }}, 9, 8) || '-' || substr({{ credit }}, 17, 1))
{%- endmacro %}

{#- A unit code as delivered (credit code, or an old organisation code with or without the hyphen) → the
    organisation-code form, for matching old codes to credit codes. -#}
{% macro org_code_form(code) -%}
    (case when length(btrim({{ code }})) = 18 then {{ org_code_of_credit('upper(btrim(' ~ code ~ '))') }}
          when upper(btrim({{ code }})) ~ '^[0-9A-Z]{8}-?[0-9A-Z]$'
          then substr(upper(btrim({{ code }})), 1, 8) || '-' || right(upper(btrim({{ code }})), 1) end)
{%- endmacro %}
