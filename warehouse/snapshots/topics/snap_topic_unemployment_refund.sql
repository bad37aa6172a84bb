{#- Membership history of 企业免审即享社保专题库: every candidate's in_population and reason at each refresh; after a
    daily load only the changed members are compared (macros/topic_snapshot.sql). -#}
{% snapshot snap_topic_unemployment_refund %}
{{ config(target_schema='topic_unemployment_refund', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record',
          meta={'topic_changed_members': 'unit'}) }}
-- depends_on: {{ ref('int_identity__unit_records') }} (the changed units: macros/topic_snapshot.sql)
select credit_code as member_key, in_population, reason
from {{ ref('topic_unemployment_refund__status') }}
{% endsnapshot %}
