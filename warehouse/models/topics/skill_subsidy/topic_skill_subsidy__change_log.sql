-- 技能提升补贴专题库 变动日志: records that entered or left the 12-month window between refreshes, or changed result.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_skill_subsidy', 'member_key', '超出12个月比对窗口') }}
