{#- Identity resolution of natural persons: the sources of a person record, and their records.

    identity_person_sources(): every source of person records, once, with
    (daily, interface, provider, priority for the golden record (1 = the police register wins), staging model,
    id column, name column, gender column, birth-date column; the pensions' are their month-incremental
    registration tables, the same rows less duplicates, so its raw months can be archived). `daily` marks the sources whose staging model reads a
    按日 (T+1) state over the monthly roll-ups (macros/daily_state.sql): their records change with a daily load.
    identity_person_records(daily, since): the latest record of each person in each source of that kind (daily true or
    false) — int_identity__person_records_monthly holds the monthly-only sources, so the daily refresh of the topic
    libraries (pipeline/daily.py: what the changed daily sources reach) rebuilds only the records of the daily ones; with `since` (macros/topic_incremental.sql) only
    those of the persons changed by the days applied since then (the model declares the CTE changed_persons).
    A person with several records in a source's latest month (e.g. two units' pension records with the name written
    differently) keeps the first by name, gender and birth date: without that tie-break `distinct on` kept whichever
    row the plan met first, and two builds of the same data could give that person different names (found at scale
    0.1: 5,370 of 4.04 M records, all in the pension sources, differed between two builds of the same state).
-#}
{% macro identity_person_sources() -%}
{%- set sources = [
    (true,  'police_hukou_register',        '市公安局',       1, 'stg_police__hukou_register',          'id_number',        'person_name', 'gender_code', 'birth_date'),
    (true,  'police_residence_permit',      '市公安局',       2, 'stg_police__residence_permits',       'id_number',        'person_name', 'gender_code', 'birth_date'),
    (true,  'police_death_cancel',          '市公安局',       3, 'stg_police__death_cancellations',     'id_number',        'person_name', 'gender_code', 'birth_date'),
    (false, 'ent_pension_person',           '企业职工养老保险', 4, 'int_pension__person_registration_month', 'id_number',  'person_name', 'gender_code', 'birth_date'),
    (false, 'ent_pension_retiree',          '企业职工养老保险', 4, 'int_pension__retiree_registration_month', 'id_number', 'person_name', 'gender_code', 'birth_date'),
    (false, 'public_pension_person',        '机关事业养老保险', 4, 'int_public_pension__person_registration_month', 'id_number', 'person_name', 'gender_code', 'birth_date'),
    (false, 'public_pension_retiree',       '机关事业养老保险', 4, 'int_public_pension__retiree_registration_month', 'id_number', 'person_name', 'gender_code', 'birth_date'),
    (false, 'residents_pension_enrol',      '城乡居民养老保险', 4, 'int_residents_pension__enrolment_registration_month', 'id_number', 'person_name', 'gender_code', 'birth_date'),
    (false, 'disabled_person',              '市残联',         6, 'stg_disabled_persons__disabled_persons', 'id_number',     'person_name', 'gender_code', 'birth_date'),
    (false, 'civil_low_income',             '市民政局',       6, 'stg_civil_affairs__low_income_persons', 'id_number',      'person_name', 'gender_code', 'birth_date'),
    (false, 'civil_cremation',              '市民政局',       6, 'stg_civil_affairs__cremations',       'id_number',        'person_name', 'gender_code', none),
    (false, 'health_birth',                 '市卫健委',       7, 'stg_health_births__births',           'mother_id_number', 'mother_name', none,          none),
    (true,  'points_applicant',             '积分落户',       7, 'stg_points_settlement__applicants',   'id_number',        'person_name', none,          none),
    (false, 'skill_subsidy_person',         '技能提升补贴',    7, 'stg_skill_subsidy__person_roster',    'id_number',        'person_name', none,          none),
] %}
{{ return(sources) }}
{%- endmacro %}

{% macro identity_person_records(daily, since=none) -%}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}records as (
{%- set chosen = identity_person_sources() | selectattr(0, 'equalto', daily) | list %}
{%- for is_daily, iface, provider, prio, model, id_col, name_col, gender_col, birth_col in chosen %}
    (select distinct on ({{ id_col }})
        {{ id_col }}                                   as id_number,
        {{ name_col }}::text                           as person_name,
        {{ gender_col ~ '::text' if gender_col else 'null::text' }} as gender_code,
        {{ birth_col if birth_col else 'null::date' }} as birth_date,
        '{{ iface }}'::text                            as source_interface,
        '{{ provider }}'::text                         as provider,
        {{ prio }}                                     as priority,
        month_start                                    as last_month
     from {{ ref(model) }}
     where {{ id_col }} is not null{{ daily_changed_person_filter(id_col, id_col ~ '_raw', since) }}
     order by {{ id_col }}, month_start desc, {{ name_col }}
              {{- ', ' ~ gender_col if gender_col }}{{ ', ' ~ birth_col if birth_col }})
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
)
select
    r.*,
    {{ id_is_valid('r.id_number') }}   as id_is_valid,
    {{ id_gender('r.id_number') }}     as id_gender_code,
    {{ id_birth_date('r.id_number') }} as id_birth_date
from records r
{%- endmacro %}
