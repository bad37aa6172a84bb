-- 失业查社保专题库 变动日志: who entered or left the population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_unemployment_check', 'member_key', '12个月内无失业保险登记和待遇') }}
