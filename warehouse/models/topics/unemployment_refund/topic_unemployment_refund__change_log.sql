-- 企业免审即享社保专题库 变动日志: which units became eligible or lost eligibility between refreshes, and why.
{{ config(materialized='view') }}
{{ topic_change_log('snap_topic_unemployment_refund', 'member_key') }}
