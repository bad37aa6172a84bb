{#- Membership history of 北京市自然人专题库: every candidate's in_population and reason at each refresh; after a
    daily load only the changed members are compared (macros/topic_snapshot.sql). -#}
{% snapshot snap_topic_natural_person %}
{{ config(target_schema='topic_natural_person', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record',
          meta={'topic_changed_members': 'person'}) }}
select id_number as member_key, in_population, reason
from {{ ref('topic_natural_person__status') }}
{% endsnapshot %}
