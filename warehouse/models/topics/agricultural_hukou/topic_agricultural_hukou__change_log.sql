-- 北京市农业户籍专题库 变动日志: who entered or left the population between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_agricultural_hukou', 'member_key') }}
