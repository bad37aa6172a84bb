{#- Membership history of 技能提升补贴专题库: every roster record's in_population and comparison result at each refresh. -#}
{% snapshot snap_topic_skill_subsidy %}
{{ config(target_schema='topic_skill_subsidy', unique_key='member_key', strategy='check',
          check_cols=['in_population', 'reason'], hard_deletes='new_record') }}
select record_key as member_key, in_population, reason
from {{ ref('topic_skill_subsidy__status') }}
{% endsnapshot %}
