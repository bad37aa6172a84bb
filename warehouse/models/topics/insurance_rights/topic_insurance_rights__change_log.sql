-- 北京市社保权益查询专题库 变动日志: who entered or left the population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_insurance_rights', 'member_key', '口径期(12个月)内该险种无登记') }}
