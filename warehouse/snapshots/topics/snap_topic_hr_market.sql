{#- Membership history of 人力资源市场查询专题库: every candidate's in_population and reason at each refresh. -#}
{% snapshot snap_topic_hr_market %}
{{ config(target_schema='topic_hr_market', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select id_number as member_key, in_population, reason
from {{ ref('topic_hr_market__status') }}
{% endsnapshot %}
