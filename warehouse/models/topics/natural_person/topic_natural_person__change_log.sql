-- 北京市自然人专题库 变动日志: who entered or left the population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_natural_person', 'member_key') }}
