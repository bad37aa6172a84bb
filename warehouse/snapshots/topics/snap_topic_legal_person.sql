{#- Membership history of 北京市法人信息专题库: every candidate's in_population and reason at each refresh. -#}
{% snapshot snap_topic_legal_person %}
{{ config(target_schema='topic_legal_person', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select credit_code as member_key, in_population, reason
from {{ ref('topic_legal_person__status') }}
{% endsnapshot %}
