-- 人力资源市场查询专题库 变动日志: who entered or left the job-seeker / unemployed population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_hr_market', 'member_key') }}
