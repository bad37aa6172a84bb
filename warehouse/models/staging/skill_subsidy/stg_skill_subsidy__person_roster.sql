-- 技能提升补贴个人补贴花名册: typed, renamed view of raw.skill_subsidy_person (ID numbers normalised).
select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    {{ normalize_id('id_number') }} as id_number,
    id_number as id_number_raw,
    person_name,
    credit_code,
    skill_level as skill_level_code,
    certificate_no,
    certificate_date,
    subsidy_amount,
    _batch_id as batch_id
from {{ source('raw_skill_subsidy', 'skill_subsidy_person') }}
