-- Every source's latest record of each natural person (normalised ID number), with the attributes it holds.
-- The sources are listed once below with their priority for the golden record (1 = the police register wins).
{%- set person_sources = [
    ('police_hukou_register',        '市公安局',       1, 'stg_police__hukou_register',          'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('police_residence_permit',      '市公安局',       2, 'stg_police__residence_permits',       'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('police_death_cancel',          '市公安局',       3, 'stg_police__death_cancellations',     'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('ent_pension_person',           '企业职工养老保险', 4, 'stg_pension__persons',                'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('ent_pension_retiree',          '企业职工养老保险', 4, 'stg_pension__retirees',               'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('public_pension_person',           '机关事业养老保险', 4, 'stg_public_pension__persons',         'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('public_pension_retiree',          '机关事业养老保险', 4, 'stg_public_pension__retirees',        'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('residents_pension_enrol',      '城乡居民养老保险', 4, 'stg_residents_pension__enrolments',   'id_number',        'person_name', 'gender_code', 'birth_date'),
    ('disabled_person',              '市残联',         6, 'stg_disabled_persons__disabled_persons', 'id_number',     'person_name', 'gender_code', 'birth_date'),
    ('civil_low_income',             '市民政局',       6, 'stg_civil_affairs__low_income_persons', 'id_number',      'person_name', 'gender_code', 'birth_date'),
    ('civil_cremation',              '市民政局',       6, 'stg_civil_affairs__cremations',       'id_number',        'person_name', 'gender_code', none),
    ('health_birth',                 '市卫健委',       7, 'stg_health_births__births',           'mother_id_number', 'mother_name', none,          none),
    ('points_applicant',             '积分落户',       7, 'stg_points_settlement__applicants',   'id_number',        'person_name', none,          none),
    ('skill_subsidy_person',         '技能提升补贴',    7, 'stg_skill_subsidy__person_roster',    'id_number',        'person_name', none,          none),
] %}
{{ config(meta={'person_sources': person_sources | map(attribute=0) | list}) }}

with records as (
{%- for iface, provider, prio, model, id_col, name_col, gender_col, birth_col in person_sources %}
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
     where {{ id_col }} is not null
     order by {{ id_col }}, month_start desc)
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
)
select
    r.*,
    {{ id_is_valid('r.id_number') }}   as id_is_valid,
    {{ id_gender('r.id_number') }}     as id_gender_code,
    {{ id_birth_date('r.id_number') }} as id_birth_date
from records r
