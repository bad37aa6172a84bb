{#- Membership history of 保居民就业专题库: every candidate's in_population and reason at each refresh; after a
    daily load only the changed members are compared (macros/topic_snapshot.sql). -#}
{% snapshot snap_topic_employment_protection %}
{{ config(target_schema='topic_employment_protection', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record',
          meta={'topic_changed_members': 'person'}) }}
select id_number as member_key, in_population, reason
from {{ ref('topic_employment_protection__status') }}
{% endsnapshot %}
