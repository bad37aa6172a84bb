-- 北京市社保权益查询专题库的月度部件: benefits paid per payment month, insurance and person. topic_insurance_rights__
-- status sums its 12 months from these rows. Incremental by month (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set benefits = [
    ('110', 'stg_pension__payments', 'amount'), ('120', 'stg_public_pension__payments', 'amount'),
    ('170', 'stg_residents_pension__payments', 'total_amount'), ('210', 'stg_unemployment__benefits', 'amount'),
    ('510', 'stg_maternity__benefits', 'amount'),
] %}
{%- set months = in_months_to_build('data_month') %}
select u.month_start, u.insurance_type_code, u.person_id, sum(u.amount) as amount, b.source_batch_id
from (
{%- for code, model, amount in benefits %}
    select '{{ code }}'::text as insurance_type_code, month_start, person_id, {{ amount }} as amount
    from {{ ref(model) }} where {{ months }}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
) u
join ({{ month_batch() }}) b using (month_start)
group by u.month_start, u.insurance_type_code, u.person_id, b.source_batch_id
