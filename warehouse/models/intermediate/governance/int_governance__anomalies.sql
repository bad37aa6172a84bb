-- 数据治理异常 (all rules): one row per rule, source record and data month, with the rule's category, severity and
-- what to fix (seed governance_rule), the provider of the record to fix and of the counterpart. Open until a later
-- delivery corrects it: an anomaly is resolved when its last violation lies before the latest month loaded.
{%- set rules = ['int_governance__g01_death_paid', 'int_governance__g02_unit_dereg_contributing',
                 'int_governance__g03_id_gender_mismatch', 'int_governance__g04_id_birth_mismatch',
                 'int_governance__g05_lowincome_high_base', 'int_governance__g06_under16_contributing',
                 'int_governance__g07_double_pension',
                 'int_governance__s01_id_nonstandard'] %}
with found as (
{%- for r in rules %}
    select rule_id, interface, data_month, record_key, counterpart, first_violation_month, last_violation_month, detail
    from {{ ref(r) }}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
),
latest as (select max(month_start) as latest_month from {{ ref('stg_audit__load_batches') }}),
providers as (select distinct on (interface) interface, provider from {{ ref('stg_audit__load_batches') }}
              order by interface, loaded_at desc)
select
    f.rule_id,
    g.rule_code,
    g.rule_name,
    g.category,
    g.severity,
    f.interface,
    pv.provider,
    f.data_month,
    f.record_key,
    f.counterpart,
    cp.provider                                   as counterpart_provider,
    f.first_violation_month,
    f.last_violation_month,
    f.detail,
    g.what_to_fix,
    case when f.last_violation_month >= l.latest_month then 'open' else 'resolved' end as status
from found f
join {{ ref('governance_rule') }} g on g.rule_id = f.rule_id
cross join latest l
left join providers pv on pv.interface = f.interface
left join providers cp on cp.interface = split_part(f.counterpart, ',', 1)
