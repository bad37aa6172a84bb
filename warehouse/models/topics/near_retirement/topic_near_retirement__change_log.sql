-- 临近一年退休人员专题库 变动日志: who entered or left the population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_near_retirement', 'member_key', '口径月份不再是在职参保人员(已办理退休或终止参保)') }}
