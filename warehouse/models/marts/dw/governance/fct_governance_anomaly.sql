-- 数据治理异常事实 (without identifiers): one row per anomaly; the record key only as an irreversible hash.
select
    rule_id, rule_name, category, severity, interface, provider, counterpart, counterpart_provider,
    data_month, md5(record_key) as record_hash, first_violation_month, last_violation_month, status
from {{ ref('int_governance__anomalies') }}
