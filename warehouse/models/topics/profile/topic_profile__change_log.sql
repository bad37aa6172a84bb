-- 人社电子画像专题库 变动日志: who entered or left the person profiles between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_profile', 'member_key') }}
