-- 数据接口服务专题库: one row per unit × insurance (五险) × registration month — the unit's rows of
-- topic_data_services__person_insurance_month counted and summed, so that 单位职工缴费记录汇总 and 单位参保信息 read a
-- few rows by the credit code instead of aggregating the unit's records at each call (323 ms / 111 ms for a unit of
-- 6 500 employees at the demo scale, seconds for 300 000 at 1.0). Grain: the unit (unit_id), its credit code kept as
-- the person-month rows give it; a service sums the rows of a credit code (normally one unit).
-- Incremental exactly as its source changes (macros/person_insurance_month.sql, the same scope read against this
-- table's months): the registration months rebuilt (B) are aggregated again, the back-paid months (F) for pension
-- and unemployment (the only insurances with contributions), and the units whose newest register entry changed get
-- their credit code in place. source_batch_id: the newest load batch that changed the month's rows (a back-paid or
-- re-attributed month gets the build's), so the data test against the source
-- (tests/data_services/assert_unit_insurance_month_equals_person_insurance_month.sql) reads every month changed.
{{ config(materialized='incremental', incremental_strategy='append', contract={'enforced': true},
          indexes=month_batch_index(),
          pre_hook=["{{ unit_insurance_month_prepare() }}"],
          post_hook=["{{ ensure_index(['credit_code', 'month_start']) }}"]) }}
-- depends_on: {{ source('audit', 'load_batch') }} {{ ref('stg_audit__load_batches') }} {{ ref('int_pension__contribution_fee_months_seen') }} {{ ref('int_unemployment__contribution_fee_months_seen') }} {{ ref('stg_pension__units') }}
{%- set scope = pim_scope() %}
select
    p.credit_code,
    p.unit_id,
    p.month_start,
    p.insurance_type_code,
    p.insurance_type_name,
    count(*) as persons,
    count(*) filter (where p.insured_status_code in ('1', '2')) as insured_persons,
    count(*) filter (where p.paid) as paid_persons,
    sum(p.employer_amount)::numeric(18, 2) as employer_total,
    sum(p.employee_amount)::numeric(18, 2) as employee_total,
    {%- if scope['fee_months'] | length > 0 %}
    case when {{ in_month_list('p.month_start', scope['fee_months']) }}
        then greatest(max(p.source_batch_id), ({{ uim_newest_batch(scope) }})) else max(p.source_batch_id) end
    {%- else %}
    max(p.source_batch_id)
    {%- endif %} as source_batch_id
from {{ ref('topic_data_services__person_insurance_month') }} as p
where {{ uim_months_condition(scope, 'p.') }}
group by p.credit_code, p.unit_id, p.month_start, p.insurance_type_code, p.insurance_type_name
