-- 专题库运行监控: per topic library — population rule version, rows, as-of month, the sources' business month and the
-- freshness lag against its target, last refresh, and who entered / left at the last refresh (the change log's rows
-- since the library's last evaluation, read from the snapshot for the members changed since then: the whole log
-- ranked every version of every member on each read, 15–30 s per chart of the monitoring dashboard at the demo
-- scale). Counts only (no PII). A table, rebuilt by every build and daily refresh (it is downstream of every library):
-- the dashboard reads twelve rows.
-- A library none of whose models or snapshot this dbt invocation runs (a daily refresh reaches 7 of the 12) kept its
-- tables, so it keeps its counts of the table built before (read while the new one is created): counting again a
-- library whose last refresh was the monthly build ranks every member's first version (社保权益查询 45 s at scale
-- 0.1, the whole table 70 s of a 258 s daily refresh). The sources' business month is computed for every library (a
-- monthly load changes it without a library being rebuilt). Every row is computed on a first build, with
-- --full-refresh, and when the table's columns are not these.
{{ config(materialized='table') }}
{%- set columns = ['library', 'schema_name', 'population_model', 'rule_version', 'population_rows', 'as_of_month',
                   'source_business_month', 'freshness_target_months', 'last_refresh', 'entered_last_refresh',
                   'left_last_refresh'] %}
{%- set previous = none %}
{%- if execute and not flags.FULL_REFRESH %}
    {%- set rel = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) %}
    {%- if rel is not none and rel.is_table
           and adapter.get_columns_in_relation(rel) | map(attribute='name') | list == columns %}
        {%- set previous = rel %}
    {%- endif %}
{%- endif %}
{%- set libs = [
    ('北京市自然人专题库',     'natural_person',     'topic_natural_person__persons',     ['police_hukou_register', 'police_residence_permit', 'police_death_cancel']),
    ('北京市法人信息专题库',   'legal_person',       'topic_legal_person__units',         ['legal_person_basic', 'market_abnormal_operation', 'ent_pension_contribution']),
    ('临近一年退休人员专题库', 'near_retirement',    'topic_near_retirement__persons',    ['ent_pension_person', 'public_pension_person']),
    ('失业查社保专题库',       'unemployment_check', 'topic_unemployment_check__persons', ['unemp_insured', 'unemp_contribution', 'unemp_benefit']),
    ('北京市农业户籍专题库',   'agricultural_hukou', 'topic_agricultural_hukou__persons', ['police_hukou_register', 'residents_pension_enrol', 'civil_low_income', 'disabled_person']),
    ('北京市社保权益查询专题库', 'insurance_rights',  'topic_insurance_rights__persons',   ['ent_pension_person', 'public_pension_person', 'residents_pension_enrol', 'unemp_insured', 'maternity_insured']),
    ('技能提升补贴专题库',     'skill_subsidy',      'topic_skill_subsidy__person_roster', ['skill_subsidy_person', 'ent_pension_contribution']),
    ('自助分析专题库',         'self_service',       'topic_self_service__person_facts',  ['police_hukou_register', 'ent_pension_person', 'job_market_seeker']),
    ('保居民就业专题库',       'employment_protection', 'topic_employment_protection__persons', ['police_hukou_register', 'ent_pension_person', 'unemployed_registry_person']),
    ('企业免审即享社保专题库', 'unemployment_refund', 'topic_unemployment_refund__units',  ['unemp_contribution', 'unemp_insured', 'legal_person_basic']),
    ('人力资源市场查询专题库', 'hr_market',          'topic_hr_market__persons',          ['job_market_seeker', 'unemployed_registry_person', 'job_market_placement']),
    ('人社电子画像专题库',     'profile',            'topic_profile__persons',            ['police_hukou_register', 'ent_pension_person', 'job_market_seeker', 'civil_low_income']),
] %}
{%- for title, lib, model, ifaces in libs %}
{%- set ran = [] %}
{%- for uid in selected_resources if uid.split('.')[-1].startswith('topic_' ~ lib ~ '__')
                                     or uid.split('.')[-1] == 'snap_topic_' ~ lib %}
    {%- do ran.append(uid) %}
{%- endfor %}
select
    '{{ title }}'::text                                                   as library,
    'topic_{{ lib }}'::text                                               as schema_name,
    '{{ model }}'::text                                                   as population_model,
    'v1'::text                                                            as rule_version,
    m.population_rows,
    m.as_of_month,
    (select min(latest) from (select max(month_start) as latest from {{ ref('stg_audit__load_batches') }}
                              where interface in ('{{ ifaces | join("', '") }}') group by interface) s)
                                                                          as source_business_month,
    0                                                                     as freshness_target_months,
    m.last_refresh,
    m.entered                                                             as entered_last_refresh,
    m.left_                                                               as left_last_refresh
{%- if previous is not none and not ran %}
from (select population_rows, as_of_month, last_refresh, entered_last_refresh as entered, left_last_refresh as left_
      from {{ previous }} where schema_name = 'topic_{{ lib }}') m
{%- else %}
-- one pass over the population and one over the status table (each feeds two columns)
from (select pop.population_rows, st.as_of_month, pop.last_refresh, last_refresh.entered, last_refresh.left_
      from (select count(*) as population_rows, max(refreshed_at) as last_refresh from {{ ref(model) }}) pop,
           (select max(as_of_month) as as_of_month, max(evaluated_at) as evaluated_at
            from {{ ref('topic_' ~ lib ~ '__status') }}) st,
           lateral (select count(*) filter (where change_type = 'entered') as entered,
                           count(*) filter (where change_type = 'left') as left_
                    from ({{ topic_change_log('snap_topic_' ~ lib, 'member_key', since='st.evaluated_at') }}) c
           ) last_refresh) m
{%- endif %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
