-- 技能提升补贴企业补贴资金申请: typed, renamed view of raw.skill_subsidy_unit (ID numbers normalised).
select
    {{ stg_month_columns() }},
    credit_code,
    unit_name,
    trainees,
    apply_amount,
    apply_date,
    _batch_id as batch_id
from {{ source('raw_skill_subsidy', 'skill_subsidy_unit') }}
