-- 北京市社保权益查询专题库: the population rule (口径 v1) applied to every person × insurance with a registration in
-- the 12 months to the as-of month: latest registration, contributions and benefits in that window.
{%- set registers = [
    ('110', '企业职工养老保险', 'stg_pension__persons',           "insured_status_code", "first_insured_date"),
    ('110', '企业职工养老保险', 'stg_pension__retirees',          "'4'",                 "null::date"),
    ('120', '机关事业养老保险', 'stg_public_pension__persons',    "insured_status_code", "first_insured_date"),
    ('120', '机关事业养老保险', 'stg_public_pension__retirees',   "'4'",                 "null::date"),
    ('170', '城乡居民养老保险', 'stg_residents_pension__enrolments', "enrol_status_code", "enrol_date"),
    ('210', '失业保险',        'stg_unemployment__insured_persons', "insured_status_code", "first_insured_date"),
    ('510', '生育保险',        'stg_maternity__insured_persons',  "insured_status_code", "first_insured_date"),
] %}
{%- set contributions = [
    ('110', 'stg_pension__contributions',           'fee_month_start', 'employer_amount + employee_amount'),
    ('120', 'stg_public_pension__contributions',    'fee_month_start', 'employer_amount + employee_amount'),
    ('170', 'stg_residents_pension__contributions', 'month_start',     'personal_amount'),
    ('210', 'stg_unemployment__contributions',      'fee_month_start', 'employer_amount + employee_amount'),
] %}
{%- set benefits = [
    ('110', 'stg_pension__payments', 'amount'), ('120', 'stg_public_pension__payments', 'amount'),
    ('170', 'stg_residents_pension__payments', 'total_amount'), ('210', 'stg_unemployment__benefits', 'amount'),
    ('510', 'stg_maternity__benefits', 'amount'),
] %}
with win as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
reg as (
    select distinct on (insurance_type_code, id_number) *
    from (
    {%- for code, name, model, status, first in registers %}
        select '{{ code }}'::text as insurance_type_code, '{{ name }}'::text as insurance_type_name, r.id_number,
               r.person_name::text as person_name, r.person_id, r.month_start, {{ status }}::text as status_code,
               {{ first }} as first_insured_date
        from {{ ref(model) }} r, win where r.month_start between win.from_month and win.as_of_month
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    ) u
    order by insurance_type_code, id_number, month_start desc, status_code desc
),
contrib as (
    {%- for code, model, fee, amount in contributions %}
    select '{{ code }}'::text as insurance_type_code, person_id, count(distinct {{ fee }}) as months,
           max({{ fee }}) as last_fee_month, sum({{ amount }}) as amount
    from {{ ref(model) }}, win where month_start between win.from_month and win.as_of_month group by person_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
benefit as (
    {%- for code, model, amount in benefits %}
    select '{{ code }}'::text as insurance_type_code, person_id, sum({{ amount }}) as amount
    from {{ ref(model) }}, win where month_start between win.from_month and win.as_of_month group by person_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)
select
    r.id_number, r.person_name, r.insurance_type_code, r.insurance_type_name, r.person_id,
    r.month_start as last_registered_month, r.status_code, r.first_insured_date,
    coalesce(c.months, 0) as contribution_months_12m, c.last_fee_month, coalesce(c.amount, 0) as contribution_amount_12m,
    coalesce(b.amount, 0) as benefit_amount_12m, w.as_of_month, now()::timestamp as evaluated_at,
    true as in_population,
    case when r.month_start = w.as_of_month then '口径月份在册(' || r.insurance_type_name || ')'
         else '12个月内曾在册(' || r.insurance_type_name || ')' end as reason
from reg r
cross join win w
left join contrib c on c.insurance_type_code = r.insurance_type_code and c.person_id = r.person_id
left join (select insurance_type_code, person_id, sum(amount) as amount from benefit group by 1, 2) b
       on b.insurance_type_code = r.insurance_type_code and b.person_id = r.person_id
