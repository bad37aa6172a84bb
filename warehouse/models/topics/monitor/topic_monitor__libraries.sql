-- 专题库运行监控: per topic library — population rule version, rows, as-of month, the sources' business month and the
-- freshness lag against its target, last refresh, and who entered / left at the last refresh (the change log's rows
-- since the library's last evaluation, read from the snapshot for the members changed since then: the whole log
-- ranked every version of every member on each read, 15–30 s per chart of the monitoring dashboard at the demo
-- scale). Counts only (no PII). A table, rebuilt by every build and daily refresh (it is downstream of every library):
-- the dashboard reads twelve rows.
{{ config(materialized='table') }}
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
select
    '{{ title }}'::text                                                   as library,
    'topic_{{ lib }}'::text                                               as schema_name,
    '{{ model }}'::text                                                   as population_model,
    'v1'::text                                                            as rule_version,
    pop.population_rows,
    st.as_of_month,
    (select min(latest) from (select max(month_start) as latest from {{ ref('stg_audit__load_batches') }}
                              where interface in ('{{ ifaces | join("', '") }}') group by interface) s)
                                                                          as source_business_month,
    0                                                                     as freshness_target_months,
    pop.last_refresh,
    last_refresh.entered                                                  as entered_last_refresh,
    last_refresh.left_                                                    as left_last_refresh
-- one pass over the population and one over the status table (each feeds two columns)
from (select count(*) as population_rows, max(refreshed_at) as last_refresh from {{ ref(model) }}) pop,
     (select max(as_of_month) as as_of_month, max(evaluated_at) as evaluated_at
      from {{ ref('topic_' ~ lib ~ '__status') }}) st,
     lateral (select count(*) filter (where change_type = 'entered') as entered,
                     count(*) filter (where change_type = 'left') as left_
              from ({{ topic_change_log('snap_topic_' ~ lib, 'member_key', since='st.evaluated_at') }}) c
     ) last_refresh
{% if not loop.last %}union all{% endif %}
{%- endfor %}
