{#- Membership history of 失业查社保专题库: every candidate's in_population and reason at each refresh. -#}
{% snapshot snap_topic_unemployment_check %}
{{ config(target_schema='topic_unemployment_check', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select id_number as member_key, in_population, reason
from {{ ref('topic_unemployment_check__status') }}
{% endsnapshot %}
