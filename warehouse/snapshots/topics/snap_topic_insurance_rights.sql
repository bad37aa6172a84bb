{#- Membership history of 北京市社保权益查询专题库: every person × insurance's in_population and reason at each refresh. -#}
{% snapshot snap_topic_insurance_rights %}
{{ config(target_schema='topic_insurance_rights', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select insurance_type_code || ':' || id_number as member_key, in_population, reason
from {{ ref('topic_insurance_rights__status') }}
{% endsnapshot %}
