-- 数据治理异常统计: anomalies per rule, source (interface and provider), data month and status — the governance
-- dashboard's and the quality report's figures. Every rule appears for every month loaded, with 0 when clean.
with months as (select distinct month_start as data_month from {{ ref('stg_audit__load_batches') }}),
rules as (select rule_id, rule_name, category, severity from {{ ref('governance_rule') }}),
counts as (
    select rule_id, interface, provider, data_month,
           count(*)                                   as anomalies,
           count(*) filter (where status = 'open')    as open_anomalies,
           count(*) filter (where status = 'resolved') as resolved_anomalies
    from {{ ref('fct_governance_anomaly') }}
    group by rule_id, interface, provider, data_month
)
select
    r.rule_id, r.rule_name, r.category, r.severity,
    coalesce(c.interface, '')                 as interface,
    coalesce(c.provider, '')                  as provider,
    m.data_month,
    coalesce(c.anomalies, 0)                  as anomalies,
    coalesce(c.open_anomalies, 0)             as open_anomalies,
    coalesce(c.resolved_anomalies, 0)         as resolved_anomalies
from rules r
cross join months m
left join counts c on c.rule_id = r.rule_id and c.data_month = m.data_month
