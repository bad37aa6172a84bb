{#- One row per record whose `field` (gender_code / birth_date) contradicts what its ID number carries. -#}
{% macro id_field_mismatch(rule_id, field, id_expr, label) -%}
{#- The sources whose records carry an ID number together with gender and birth-date fields (the G03 / G04 scope). -#}
{%- set id_field_sources = [
    ('police_hukou_register',   'stg_police__hukou_register'),
    ('police_residence_permit', 'stg_police__residence_permits'),
    ('police_death_cancel',     'stg_police__death_cancellations'),
    ('disabled_person',         'stg_disabled_persons__disabled_persons'),
    ('civil_low_income',        'stg_civil_affairs__low_income_persons'),
    ('ent_pension_person',      'stg_pension__persons'),
    ('ent_pension_retiree',     'stg_pension__retirees'),
    ('public_pension_person',   'stg_public_pension__persons'),
    ('public_pension_retiree',  'stg_public_pension__retirees'),
    ('residents_pension_enrol', 'stg_residents_pension__enrolments'),
] %}
{%- for iface, model in id_field_sources %}
select
    '{{ rule_id }}'::text             as rule_id,
    '{{ iface }}'::text               as interface,
    month_start                       as data_month,
    id_number                         as record_key,
    null::text                        as counterpart,
    month_start                       as first_violation_month,
    month_start                       as last_violation_month,
    '{{ label }}字段=' || {{ field }} || ', 身份证号推出=' || {{ id_expr }} as detail
from {{ ref(model) }}
where id_number ~ '^[0-9]{17}[0-9X]$' and {{ field }} is not null and {{ id_expr }} is not null
  and {{ field }}::text <> {{ id_expr }}::text
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endmacro %}
