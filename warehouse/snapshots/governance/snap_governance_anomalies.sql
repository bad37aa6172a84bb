{#- History of every governance anomaly across builds (SCD2, check strategy): an anomaly that a re-delivered file
    no longer produces gets a deletion version (dbt_is_deleted) stamped with the build that saw it disappear —
    int_governance__anomaly_history reads it as resolved by that re-delivery. -#}
{% snapshot snap_governance_anomalies %}
{{ config(target_schema='snapshots', unique_key='anomaly_key', strategy='check',
          check_cols=['status', 'last_violation_month', 'detail'], hard_deletes='new_record') }}
select
    rule_id || '|' || interface || '|' || to_char(data_month, 'YYYYMM') || '|' || record_key as anomaly_key,
    rule_id, rule_name, category, severity, interface, provider, data_month, record_key, counterpart,
    counterpart_provider, first_violation_month, last_violation_month, detail, status
from {{ ref('int_governance__anomalies') }}
{% endsnapshot %}
