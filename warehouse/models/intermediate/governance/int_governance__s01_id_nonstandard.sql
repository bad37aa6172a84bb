-- S01 身份证号码未按国家标准交付 (standardisation): a record whose delivered ID number is not the GB 11643 form — a
-- first-generation 15-digit number or a lower-case check character x — while its standard form is valid. The
-- warehouse already uses the standard form (staging: normalize_id); the provider is asked to deliver it.
{%- set sources = [
    ('police_hukou_register',   'stg_police__hukou_register',             'id_number'),
    ('police_residence_permit', 'stg_police__residence_permits',          'id_number'),
    ('police_death_cancel',     'stg_police__death_cancellations',        'id_number'),
    ('disabled_person',         'stg_disabled_persons__disabled_persons', 'id_number'),
    ('civil_low_income',        'stg_civil_affairs__low_income_persons',  'id_number'),
    ('civil_cremation',         'stg_civil_affairs__cremations',          'id_number'),
    ('health_birth',            'stg_health_births__births',              'mother_id_number'),
    ('points_applicant',        'stg_points_settlement__applicants',      'id_number'),
    ('skill_subsidy_person',    'stg_skill_subsidy__person_roster',       'id_number'),
] %}
{%- for iface, model, col in sources %}
select distinct
    'S01'::text                       as rule_id,
    '{{ iface }}'::text               as interface,
    month_start                       as data_month,
    {{ col }}                         as record_key,
    null::text                        as counterpart,
    month_start                       as first_violation_month,
    month_start                       as last_violation_month,
    '交付值=' || {{ col }}_raw || ', 标准值=' || {{ col }} as detail
from {{ ref(model) }}
where {{ col }}_raw is distinct from {{ col }} and btrim({{ col }}_raw) <> {{ col }}
  and {{ col }} ~ '^[0-9]{17}[0-9X]$'
  and substr({{ col }}, 18, 1) = {{ id_check_char('substr(' ~ col ~ ', 1, 17)') }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
