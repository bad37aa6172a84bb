{#- Membership history of 临近一年退休人员专题库: every candidate's in_population and reason at each refresh. -#}
{% snapshot snap_topic_near_retirement %}
{{ config(target_schema='topic_near_retirement', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select insurance_type_code || ':' || id_number as member_key, in_population, reason
from {{ ref('topic_near_retirement__status') }}
{% endsnapshot %}
