-- Every source's latest record of each unit, keyed by credit code. Sources that still deliver the older
-- 组织机构代码 (市场监管 lists) are resolved to the credit code through the legal-person register
-- (int_identity__org_code_map); a code that cannot be resolved keeps resolved = false.
{%- set unit_sources = [
    ('legal_person_basic',        '市经信局',       1, 'stg_legal_person__legal_persons',        'credit_code', 'unit_name'),
    ('ent_pension_unit',          '企业职工养老保险', 2, 'stg_pension__units',                     'credit_code', 'unit_name'),
    ('public_pension_unit',          '机关事业养老保险', 2, 'stg_public_pension__units',              'credit_code', 'unit_name'),
    ('market_abnormal_operation', '市市场监管局',    3, 'stg_market_supervision__abnormal_operations', 'unit_code', 'unit_name'),
    ('market_serious_violation',  '市市场监管局',    3, 'stg_market_supervision__serious_violations',  'unit_code', 'unit_name'),
    ('points_applicant',          '积分落户',       4, 'stg_points_settlement__applicants',      'credit_code', none),
    ('skill_subsidy_unit',        '技能提升补贴',    4, 'stg_skill_subsidy__unit_applications',   'credit_code', 'unit_name'),
] %}
with records as (
{%- for iface, provider, prio, model, code_col, name_col in unit_sources %}
    (select distinct on (upper(btrim({{ code_col }})))
        upper(btrim({{ code_col }}))                  as delivered_code,
        {{ name_col ~ '::text' if name_col else 'null::text' }} as unit_name,
        '{{ iface }}'::text                           as source_interface,
        '{{ provider }}'::text                        as provider,
        {{ prio }}                                    as priority,
        month_start                                   as last_month
     from {{ ref(model) }}
     where {{ code_col }} is not null
     order by upper(btrim({{ code_col }})), month_start desc)
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
)
select
    coalesce(case when length(r.delivered_code) = 18 then r.delivered_code end, m.credit_code) as credit_code,
    r.delivered_code,
    length(r.delivered_code) <> 18                          as is_old_org_code,
    coalesce(case when length(r.delivered_code) = 18 then r.delivered_code end, m.credit_code) is not null as resolved,
    r.unit_name, r.source_interface, r.provider, r.priority, r.last_month
from records r
left join {{ ref('int_identity__org_code_map') }} m
       on length(r.delivered_code) <> 18 and m.org_code = {{ org_code_form('r.delivered_code') }}
