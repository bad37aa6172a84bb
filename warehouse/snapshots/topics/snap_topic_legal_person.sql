{#- Membership history of 北京市法人信息专题库: every candidate's in_population and reason at each refresh; after a
    daily load only the changed members are compared (macros/topic_snapshot.sql). -#}
{% snapshot snap_topic_legal_person %}
{{ config(target_schema='topic_legal_person', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record',
          meta={'topic_changed_members': 'unit'}) }}
-- depends_on: {{ ref('int_identity__unit_records') }} (the changed units: macros/topic_snapshot.sql)
select credit_code as member_key, in_population, reason
from {{ ref('topic_legal_person__status') }}
{% endsnapshot %}
