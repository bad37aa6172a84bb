-- S01 身份证号码未按国家标准交付 (standardisation): a record whose delivered ID number is not the GB 11643 form — a
-- first-generation 15-digit number or a lower-case check character x — while its standard form is valid. The
-- warehouse already uses the standard form (staging: normalize_id); the provider is asked to deliver it.
-- Month-incremental: which (interface, month) pairs a build rewrites is stated in macros/governance.sql.
{{ config(materialized='incremental', incremental_strategy='append', indexes=month_batch_index('data_month'),
          pre_hook=["{{ record_rule_delete('s01') }}"]) }}
{%- set scope = record_rule_scope('s01') %}
with batches as (
    {{ month_batch('batch_month') }}
)
{%- for iface, model, _, _, col in record_rule_sources('s01') %}
select distinct
    'S01'::text                       as rule_id,
    '{{ iface }}'::text               as interface,
    s.month_start                     as data_month,
    s.{{ col }}                       as record_key,
    null::text                        as counterpart,
    s.month_start                     as first_violation_month,
    s.month_start                     as last_violation_month,
    '交付值=' || s.{{ col }}_raw || ', 标准值=' || s.{{ col }} as detail,
    b.source_batch_id
from {{ ref(model) }} as s
left join batches as b on b.batch_month = s.month_start
where {{ record_rule_scope_condition(scope[iface], 's.data_month', true) }}
  and s.{{ col }}_raw is distinct from s.{{ col }} and btrim(s.{{ col }}_raw) <> s.{{ col }}
  and s.{{ col }} ~ '^[0-9]{17}[0-9X]$'
  and substr(s.{{ col }}, 18, 1) = {{ id_check_char('substr(s.' ~ col ~ ', 1, 17)') }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
