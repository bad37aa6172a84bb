{#- Membership history of 北京市农业户籍专题库: every candidate's in_population and reason at each refresh; after a
    daily load only the changed members are compared (macros/topic_snapshot.sql). -#}
{% snapshot snap_topic_agricultural_hukou %}
{{ config(target_schema='topic_agricultural_hukou', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record',
          meta={'topic_changed_members': 'person'}) }}
select id_number as member_key, in_population, reason
from {{ ref('topic_agricultural_hukou__status') }}
{% endsnapshot %}
