-- 数据治理异常及其解决: every anomaly the governance rules find now, plus every anomaly an earlier build found that a
-- re-delivered file no longer produces (the deletion versions of snap_governance_anomalies). Each resolved anomaly
-- names the delivery that corrected it:
--   later_delivery — still found, but its last violation lies before the latest month loaded: the first batch of
--                    the record's interface for a month after the last violation;
--   redelivery     — no longer found after a re-delivery: the latest batch of the record's interface or its
--                    counterpart(s) loaded before the build that saw it disappear.
with batches as (select batch_id, interface, month_start, loaded_at from {{ ref('stg_audit__load_batches') }}),
current_found as (
    select a.*, a.rule_id || '|' || a.interface || '|' || to_char(a.data_month, 'YYYYMM') || '|' || a.record_key
                                                                                         as anomaly_key
    from {{ ref('int_governance__anomalies') }} a
),
vanished as (
    select s.*
    from {{ ref('snap_governance_anomalies') }} s
    where s.dbt_valid_to is null and s.dbt_is_deleted = 'True'
      and s.anomaly_key not in (select anomaly_key from current_found)
)
select
    c.anomaly_key, c.rule_id, c.rule_name, c.category, c.severity, c.interface, c.provider, c.counterpart,
    c.counterpart_provider, c.data_month, c.record_key, c.first_violation_month, c.last_violation_month, c.status,
    case when c.status = 'resolved' then 'later_delivery' end                       as resolution,
    nb.batch_id                                                                      as resolved_by_batch_id,
    nb.loaded_at                                                                     as resolved_at
from current_found c
left join lateral (
    select b.batch_id, b.loaded_at from batches b
    where c.status = 'resolved' and b.interface = c.interface and b.month_start > c.last_violation_month
    order by b.month_start, b.batch_id limit 1
) nb on true
union all
select
    v.anomaly_key, v.rule_id, v.rule_name, v.category, v.severity, v.interface, v.provider, v.counterpart,
    v.counterpart_provider, v.data_month, v.record_key, v.first_violation_month, v.last_violation_month,
    'resolved'                                                                       as status,
    'redelivery'                                                                     as resolution,
    rb.batch_id                                                                      as resolved_by_batch_id,
    v.dbt_valid_from                                                                 as resolved_at
from vanished v
left join lateral (
    select b.batch_id from batches b
    where (b.interface = v.interface or b.interface = any(string_to_array(v.counterpart, ',')))
      and b.loaded_at <= v.dbt_valid_from
    order by b.loaded_at desc, b.batch_id desc limit 1
) rb on true
