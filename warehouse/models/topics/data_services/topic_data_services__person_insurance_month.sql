-- 数据接口服务专题库: one row per person × insurance (五险) × month of registration, with the unit and what was
-- contributed for that fee month — what 参保人员缴费月记录-五险, 社保缴费年度对账单, 单位参保员工列表 and
-- 指定人员是否在当前单位比对 answer from. Medical: the account's credit base (no status in the delivery).
{%- set registers = [
    ('110', 'stg_pension__persons', 'insured_status_code'),
    ('210', 'stg_unemployment__insured_persons', 'insured_status_code'),
    ('410', 'stg_injury__insured_persons', 'insured_status_code'),
    ('510', 'stg_maternity__insured_persons', 'insured_status_code'),
    ('310', 'stg_medical_account__monthly_accounts', "'1'"),
] %}
{%- set contributions = [
    ('110', 'stg_pension__contributions'), ('210', 'stg_unemployment__contributions'),
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
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    ) as u
    order by insurance_type_code, person_id, month_start, insured_status_code
),

contrib as (
    {%- for code, model in contributions %}
        select
            '{{ code }}'::text as insurance_type_code, person_id, fee_month_start as month_start,
            sum(contribution_base) as contribution_base, sum(employer_amount) as employer_amount,
            sum(employee_amount) as employee_amount
        from {{ ref(model) }}
        group by person_id, fee_month_start
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

units as (
    select distinct on (unit_id) unit_id, credit_code, unit_name
    from {{ ref('stg_pension__units') }}
    order by unit_id, month_start desc
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
    (c.person_id is not null) as paid
from reg as r
left join contrib as c
    on
        r.insurance_type_code = c.insurance_type_code
        and r.person_id = c.person_id
        and r.month_start = c.month_start
left join units as un on r.unit_id = un.unit_id
left join {{ ref('code_insurance_type') }} as it on r.insurance_type_code = it.code::text
left join {{ ref('code_insured_status') }} as st on r.insured_status_code = st.code::text
