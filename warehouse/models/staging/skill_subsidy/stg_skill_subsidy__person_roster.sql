-- 技能提升补贴个人补贴花名册: typed, renamed view of raw.skill_subsidy_person (ID numbers normalised).
select
    {{ stg_month_columns() }},
    {{ stg_person_columns('id_number', 'person_name', none, none) }},
    credit_code,
    skill_level as skill_level_code,
    certificate_no,
    certificate_date,
    subsidy_amount,
    _batch_id as batch_id
from {{ source('raw_skill_subsidy', 'skill_subsidy_person') }}
