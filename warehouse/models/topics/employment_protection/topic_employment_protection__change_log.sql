-- 保居民就业专题库 变动日志: who entered or left the monitored residents between refreshes, and why (a change of
-- employment status between refreshes is a 'changed' row: 就业 → 登记失业 and back).
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_employment_protection', 'member_key') }}
