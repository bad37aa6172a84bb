{#- Membership history of 人社电子画像专题库: every candidate's in_population and reason at each refresh. -#}
{% snapshot snap_topic_profile %}
{{ config(target_schema='topic_profile', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select id_number as member_key, in_population, reason
from {{ ref('topic_profile__status') }}
{% endsnapshot %}
