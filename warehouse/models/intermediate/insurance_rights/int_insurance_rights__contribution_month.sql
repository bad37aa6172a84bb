-- 北京市社保权益查询专题库的月度部件: contributions per arrival month, insurance, person and fee month (费款所属期; for
-- 城乡居民 the payment month), amount = employer + employee (城乡居民: personal). topic_insurance_rights__status
-- counts the distinct fee months and sums the amounts over its 12 arrival months from these rows.
-- Incremental by arrival month (macros/incremental_months.sql): only months with a newer load batch are rebuilt.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set contributions = [
    ('110', 'stg_pension__contributions',           'fee_month_start', 'employer_amount + employee_amount'),
    ('120', 'stg_public_pension__contributions',    'fee_month_start', 'employer_amount + employee_amount'),
    ('170', 'stg_residents_pension__contributions', 'month_start',     'personal_amount'),
    ('210', 'stg_unemployment__contributions',      'fee_month_start', 'employer_amount + employee_amount'),
] %}
{%- set months = in_months_to_build('data_month') %}
select u.month_start, u.insurance_type_code, u.person_id, u.fee_month_start, sum(u.amount) as amount, b.source_batch_id
from (
{%- for code, model, fee, amount in contributions %}
    select '{{ code }}'::text as insurance_type_code, month_start, person_id, {{ fee }} as fee_month_start,
           {{ amount }} as amount
    from {{ ref(model) }} where {{ months }}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
) u
join ({{ month_batch() }}) b using (month_start)
group by u.month_start, u.insurance_type_code, u.person_id, u.fee_month_start, b.source_batch_id
