-- 数据接口服务专题库: one row per person × insurance (五险) × month of registration, with the unit and what was
-- contributed for that fee month — what 参保人员缴费月记录-五险, 社保缴费年度对账单, 单位参保员工列表 and
-- 指定人员是否在当前单位比对 answer from. Medical: the account's credit base (no status in the delivery).
-- Month-incremental (macros/person_insurance_month.sql states the rule): a build rebuilds the registration months
-- with a newer load batch; the earlier fee months that the contributions of those months pay for (back pay, in any
-- version of the arrival month ever built) get their contribution columns again in place; the unit attributes of
-- the rows kept are updated for the units whose newest register entry changed. Contributions are read per fee
-- month from int_*__contribution_fee_month (indexed on the fee month), not from every month of the raw files.
-- Indexes: the month batch (incremental rebuilds), and the services' look-ups by person and by unit as post-hooks
-- (ensure_index: also added to a table built without them). The unit's ends with the insurance and the ID number so
-- that 单位参保员工列表 (one unit, insurance, month; ordered by ID number, paged) reads its page straight from the index
-- (by the person index the planner walked every ID: 1.2 s for a 6 500-employee unit at the demo scale). A config() index list replaces the YAML's: that is how
-- the look-ups were once lost (a 1.6 s scan per service call at the demo scale instead of < 1 ms).
{{ config(materialized='incremental', incremental_strategy='append', indexes=month_batch_index(),
          pre_hook=["{{ pim_prepare() }}"],
          post_hook=["{{ ensure_index(['id_number', 'month_start']) }}",
                     "{{ ensure_index(['credit_code', 'month_start', 'insurance_type_code', 'id_number']) }}"]) }}
-- depends_on: {{ source('audit', 'load_batch') }} {{ ref('int_pension__contribution_fee_months_seen') }} {{ ref('int_unemployment__contribution_fee_months_seen') }}
{%- set scope = pim_scope() %}
{%- set registers = [
    ('110', 'stg_pension__persons', 'insured_status_code'),
    ('210', 'stg_unemployment__insured_persons', 'insured_status_code'),
    ('410', 'stg_injury__insured_persons', 'insured_status_code'),
    ('510', 'stg_maternity__insured_persons', 'insured_status_code'),
    ('310', 'stg_medical_account__monthly_accounts', "'1'"),
] %}
with reg as (
    select distinct on (insurance_type_code, person_id, month_start) *
    from (
    {%- for code, model, status in registers %}
        select
            '{{ code }}'::text as insurance_type_code, r.month_start, r.person_id, r.id_number,
            r.person_name::text as person_name, r.unit_id, r.district_code, {{ status }}::text as insured_status_code
            {%- if code == '310' %}, r.credit_base as account_base{% else %}, null::numeric as account_base{% endif %}
        from {{ ref(model) }} as r
        where {{ pim_months_condition(scope, 'r.data_month', true) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    ) as u
    order by insurance_type_code, person_id, month_start, insured_status_code
),

contrib as (
    {{- pim_contributions(pim_months_condition(scope, 'fee_month_start')) }}
),

units as (
    {{ pim_units() }}
)

select
    r.id_number::text as id_number,
    r.person_name::text as person_name,
    r.person_id::text as person_id,
    r.insurance_type_code,
    it.name::text as insurance_type_name,
    r.month_start::date as month_start,
    r.unit_id::text as unit_id,
    un.credit_code::text as credit_code,
    un.unit_name::text as unit_name,
    r.district_code::text as district_code,
    r.insured_status_code,
    st.name::text as insured_status_name,
    coalesce(c.contribution_base, r.account_base)::numeric(14, 2) as contribution_base,
    c.employer_amount::numeric(14, 2) as employer_amount,
    c.employee_amount::numeric(14, 2) as employee_amount,
    (c.person_id is not null) as paid,
    b.source_batch_id
from reg as r
left join ({{ month_batch() }}) as b on r.month_start = b.month_start
left join contrib as c
    on
        r.insurance_type_code = c.insurance_type_code
        and r.person_id = c.person_id
        and r.month_start = c.month_start
left join units as un on r.unit_id = un.unit_id
left join {{ ref('code_insurance_type') }} as it on r.insurance_type_code = it.code::text
left join {{ ref('code_insured_status') }} as st on r.insured_status_code = st.code::text
