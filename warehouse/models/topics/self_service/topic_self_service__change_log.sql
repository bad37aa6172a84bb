-- 自助分析专题库 变动日志: which person keys entered or left the analysis population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_self_service', 'member_key') }}
