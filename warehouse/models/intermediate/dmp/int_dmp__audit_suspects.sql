-- Audit suspicion list with codes checked and districts mapped; the module (稽核 / 内控监督) from the rule. The person's
-- 身份证号 and 姓名 only masked (macros/masking.sql): what the drill-to-detail mart shows.
select
    a.month_start,
    a.suspect_id,
    {{ known_code('a.rule_code', 'code_audit_rule', 'A99') }}            as rule_code,
    coalesce(r.module, '未知')                                           as rule_module,
    {{ known_code('a.insurance_type_code', 'code_insurance_type', '999') }} as insurance_type_code,
    a.person_id,
    {{ mask_id_number('a.id_number') }}                                  as id_number_masked,
    {{ mask_person_name('a.person_name') }}                              as person_name_masked,
    {{ current_district('a.district_code') }}                            as district_code,
    a.district_code                                                      as source_district_code,
    a.amount,
    a.related_change_id,
    a.detect_date,
    {{ known_code('a.check_status_code', 'code_audit_status', '9') }}     as check_status_code
from (
    select distinct on (month_start, suspect_id) *
    from {{ ref('stg_dmp__audit_suspects') }}
    order by month_start, suspect_id, batch_id desc
) a
left join {{ ref('code_audit_rule') }} r on r.code = a.rule_code
