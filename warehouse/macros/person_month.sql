{#-
  The person-month ODS shape shared by the insured-person models (work injury, maternity, unemployment) and
  the pension person-month models.

  person_month_attributes(alias, district_column): the person's attributes as every person-month model
  carries them — district mapped to the current code (retired codes → successors, unknown → 999999 未知区县),
  the delivered district kept, gender with its 未知 member '9', birth date, age band at the month (A9 未知).

  insured_person_month(staging_model, extra_columns): a whole insured-person month model from the staging
  view of an insured-persons interface: one row per month and person (the newest batch wins a duplicate),
  the attributes above, `extra_columns` (SQL `expr as name` strings, after the age band), the unit,
  first insured date, status and whether the status counts as insured; incremental by month like every
  month model (macros/incremental_months.sql).
-#}
{% macro person_month_attributes(alias='d', district_column='district_code') -%}
    {{ current_district(alias ~ '.' ~ district_column) }}        as district_code,
    {{ alias }}.{{ district_column }}                              as source_district_code,
    {{ known_code(alias ~ '.gender_code', 'code_gender', '9') }}   as gender_code,
    {{ alias }}.birth_date,
    coalesce({{ age_band(alias ~ '.birth_date', alias ~ '.month_start') }}, 'A9') as age_band_code
{%- endmacro %}

{% macro insured_person_month(staging_model, extra_columns=[]) -%}
with deduped as (
    select distinct on (month_start, person_id) *
    from {{ ref(staging_model) }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, batch_id desc
)
select
    d.month_start,
    d.person_id,
    {{ person_month_attributes('d') }},
    {%- for column in extra_columns %}
    {{ column }},
    {%- endfor %}
    d.unit_id,
    d.first_insured_date,
    d.insured_status_code,
    coalesce((select s.is_insured from {{ ref('code_insured_status') }} s
              where s.code = d.insured_status_code), false)    as is_insured,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
{%- endmacro %}
