{#- The rules with one row per source record and data month: G03/G04, a record whose `field` (gender_code /
    birth_date) contradicts what its ID number carries, and S01, a record whose ID number was not delivered in the
    national standard form (models/intermediate/governance/int_governance__s01_id_nonstandard.sql).

    Month-incremental (G03, G04, S01): a row depends only on its own source record of its own data month, so a build
    rewrites only the (interface, month) pairs that can have changed, and keeps the rest:
    - every interface: the months with a load batch newer than the one the model holds for that month
      (in_months_to_build: a new month, a late file or a corrected re-delivery of an old one);
    - an interface read with its daily (T+1) state (macros/daily_state.sql) whose daily table exists: as a
      'snapshot' source, also every month from the newest month the model holds for it on (the daily state
      replaces rows of the latest roll-up month only, and that month reverts to its plain roll-up once the next
      month is loaded); as an 'events' source (死亡注销), every month raw still holds (a daily row can replace the
      key's rows in any month and lands in the month of its business date, which may have no load batch yet).
    A month archived by raw retention (pipeline/raw_retention.py) is never rewritten: its rows stay as built.
    The pairs are deleted in the pre-hook (record_rule_delete) and inserted by the model (append), so an
    (interface, month) whose every violation was corrected loses its rows. First build and full refresh: every
    row. The build's result is the same rows as a rebuild of the whole table (bench/results/scale_compare_*.md).
-#}
{%- macro record_rule_sources(rule_set) -%}
    {#- (interface, staging model, daily table or none, daily kind, ID column) of a rule set: 'id_field' — the sources
        whose records carry an ID number together with gender and birth-date fields (the G03 / G04 scope); 's01' —
        the sources whose ID numbers are checked for the standard form. Both start with the
        police, 残联 and 民政 sources (the shared list). -#}
    {%- set shared = [
        ('police_hukou_register',   'stg_police__hukou_register',   'police_hukou_register_daily', 'snapshot', 'id_number'),
        ('police_residence_permit', 'stg_police__residence_permits', 'police_residence_permit_daily', 'snapshot', 'id_number'),
        ('police_death_cancel',     'stg_police__death_cancellations', 'police_death_cancel_daily', 'events', 'id_number'),
        ('disabled_person',         'stg_disabled_persons__disabled_persons', none, none, 'id_number'),
        ('civil_low_income',        'stg_civil_affairs__low_income_persons',  none, none, 'id_number'),
    ] -%}
    {%- if rule_set == 's01' -%}
    {{ return(shared + [
        ('civil_cremation',         'stg_civil_affairs__cremations',          none, none, 'id_number'),
        ('health_birth',            'stg_health_births__births',              none, none, 'mother_id_number'),
        ('points_applicant',        'stg_points_settlement__applicants', 'points_applicant_daily', 'snapshot', 'id_number'),
        ('skill_subsidy_person',    'stg_skill_subsidy__person_roster',       none, none, 'id_number'),
    ]) }}
    {%- endif -%}
    {{ return(shared + [
        ('ent_pension_person',      'stg_pension__persons', none, none, 'id_number'),
        ('ent_pension_retiree',     'stg_pension__retirees', none, none, 'id_number'),
        ('public_pension_person',   'stg_public_pension__persons', none, none, 'id_number'),
        ('public_pension_retiree',  'stg_public_pension__retirees', none, none, 'id_number'),
        ('residents_pension_enrol', 'stg_residents_pension__enrolments', none, none, 'id_number'),
    ]) }}
{%- endmacro -%}

{#- Per interface, what this build rewrites: {'all': true} (every month) or {'months': ['YYYY-MM-DD', …] (batch
    months), 'from': 'YYYY-MM-DD' or none (every month from that one on)}. Read when the model and its pre-hook
    are rendered, before anything is deleted, so both see the same scope. -#}
{%- macro record_rule_scope(rule_set) -%}
    {%- set scope = {} -%}
    {%- if not execute or not is_incremental() -%}
        {%- for src in record_rule_sources(rule_set) -%}{%- do scope.update({src[0]: {'all': true}}) -%}{%- endfor -%}
        {{ return(scope) }}
    {%- endif -%}
    {%- set months = months_to_build_list('data_month') -%}
    {%- for src in record_rule_sources(rule_set) -%}
        {%- set iface, daily, kind = src[0], src[2], src[3] -%}
        {%- set rel = adapter.get_relation(database=target.database, schema='raw', identifier=daily) if daily else none -%}
        {%- if rel is none -%}
            {%- do scope.update({iface: {'all': false, 'months': months, 'from': none}}) -%}
        {%- else -%}
            {%- set newest = none -%}
            {%- if kind == 'snapshot' -%}
                {%- set newest = run_query("select to_char(max(data_month), 'YYYY-MM-DD') from " ~ this
                                           ~ " where interface = '" ~ iface ~ "'").columns[0].values()[0] -%}
            {%- endif -%}
            {%- if newest is none -%}{#- every month raw still holds (an archived month keeps its rows) -#}
                {%- set newest = run_query("select to_char(to_date(min(data_month), 'YYYYMM'), 'YYYY-MM-DD') from raw."
                                           ~ iface).columns[0].values()[0] or '0001-01-01' -%}
            {%- endif -%}
            {%- do scope.update({iface: {'all': false, 'months': months, 'from': newest}}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(scope) }}
{%- endmacro -%}

{#- The scope of one interface as a condition: on the model's date column `data_month` (as_text=false) or on
    staging's 'YYYYMM' text `data_month` (as_text=true, the raw tables' partition key). -#}
{%- macro record_rule_scope_condition(s, column, as_text) -%}
    {%- if s['all'] -%}true{%- else -%}
    {%- set parts = [] -%}
    {%- if s['months'] | length > 0 -%}
        {%- if as_text -%}
            {%- set texts = [] -%}
            {%- for m in s['months'] | unique | sort -%}{%- do texts.append("'" ~ m[0:4] ~ m[5:7] ~ "'") -%}{%- endfor -%}
            {%- do parts.append(column ~ ' in (' ~ texts | join(', ') ~ ')') -%}
        {%- else -%}
            {%- do parts.append(in_month_list(column, s['months'])) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if s['from'] -%}
        {%- do parts.append(column ~ " >= " ~ ("'" ~ s['from'][0:4] ~ s['from'][5:7] ~ "'" if as_text else "date '" ~ s['from'] ~ "'")) -%}
    {%- endif -%}
    {{ '(' ~ (parts | join(' or ') if parts else 'false') ~ ')' }}
    {%- endif -%}
{%- endmacro -%}

{#- Pre-hook: delete what this build rewrites (nothing on a first build or full refresh: the table is new). -#}
{%- macro record_rule_delete(rule_set) -%}
    {%- if execute and is_incremental() -%}
        {%- set scope = record_rule_scope(rule_set) -%}
        delete from {{ this }} where
        {%- for src in record_rule_sources(rule_set) %}
            (interface = '{{ src[0] }}' and {{ record_rule_scope_condition(scope[src[0]], 'data_month', false) }})
            {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro -%}

{% macro id_field_mismatch(rule_id, field, id_expr, label) -%}
{{ config(materialized='incremental', incremental_strategy='append', indexes=month_batch_index('data_month'),
          pre_hook=["{{ record_rule_delete('id_field') }}"]) }}
{%- set scope = record_rule_scope('id_field') %}
with batches as (
    {{ month_batch('batch_month') }}
)
{%- for iface, model, _, _, _ in record_rule_sources('id_field') %}
select
    '{{ rule_id }}'::text             as rule_id,
    '{{ iface }}'::text               as interface,
    s.month_start                     as data_month,
    s.id_number                       as record_key,
    null::text                        as counterpart,
    s.month_start                     as first_violation_month,
    s.month_start                     as last_violation_month,
    '{{ label }}字段=' || {{ field }} || ', 身份证号推出=' || {{ id_expr }} as detail,
    b.source_batch_id
from {{ ref(model) }} as s
left join batches as b on b.batch_month = s.month_start
where {{ record_rule_scope_condition(scope[iface], 's.data_month', true) }}
  and id_number ~ '^[0-9]{17}[0-9X]$' and {{ field }} is not null and {{ id_expr }} is not null
  and {{ field }}::text <> {{ id_expr }}::text
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endmacro %}
