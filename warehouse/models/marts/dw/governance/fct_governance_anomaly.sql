-- 数据治理异常事实 (without identifiers): one row per anomaly found now or resolved by a re-delivery; the record key
-- only as an irreversible hash; how it was resolved and by which delivery (load batch).
select
    rule_id, rule_name, category, severity, interface, provider, counterpart, counterpart_provider,
    data_month, md5(record_key) as record_hash, first_violation_month, last_violation_month, status,
    resolution, resolved_by_batch_id, resolved_at
from {{ ref('int_governance__anomaly_history') }}
