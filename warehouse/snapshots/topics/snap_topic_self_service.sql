{#- Membership history of 自助分析专题库: every candidate's in_population and reason at each refresh; after a
    daily load only the changed members are compared (macros/topic_snapshot.sql). -#}
{% snapshot snap_topic_self_service %}
{{ config(target_schema='topic_self_service', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record',
          meta={'topic_changed_members': 'person_key'}) }}
select person_key as member_key, in_population, reason
from {{ ref('topic_self_service__status') }}
{% endsnapshot %}
