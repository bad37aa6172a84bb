-- 稽核 / 内控监督 suspicion list, one row per suspicion, for drill to detail (查看明细) in the dashboards: the
-- fact's rows with names for the codes and the person's identifiers as masked by the intermediate model at build
-- (macros/masking.sql), so the clear 公民身份号码 / 姓名 / 个人编号 never reach this table or any reader of it.
-- District row security is the official release's (district_code), like every mart.
-- Columns in the order the drill-to-detail window shows them: the suspicion, the masked person, then the codes.
select
    f.suspect_id,
    m.month_label,
    coalesce(m.district_name, '未知')                      as district_name,
    coalesce(r.name, '未知')                               as rule_name,
    coalesce(s.name, '未知')                               as check_status_name,
    i.id_number_masked,
    i.person_name_masked,
    f.amount,
    f.detect_date,
    coalesce(it.name, '未知')                              as insurance_type_name,
    coalesce(r.module, '未知')                             as rule_module,
    f.rule_code,
    f.check_status_code,
    f.insurance_type_code,
    f.related_change_id,
    f.district_code,
    m.district_sort,
    f.month_start,
    f.month_key
from {{ ref('fct_dmp_audit_suspect') }} f
left join {{ ref('int_dmp__audit_suspects') }} i on i.month_start = f.month_start and i.suspect_id = f.suspect_id
left join {{ ref('dim_month_district') }} m on m.month_start = f.month_start and m.district_code = f.district_code
left join {{ ref('code_audit_rule') }} r on r.code = f.rule_code
left join {{ ref('code_insurance_type') }} it on it.code = f.insurance_type_code
left join {{ ref('code_audit_status') }} s on s.code = f.check_status_code
