select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    suspect_id,
    rule_code,
    insurance_type      as insurance_type_code,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    district_code,
    amount,
    nullif(related_change_id, '') as related_change_id,
    detect_date,
    check_status        as check_status_code,
    _batch_id           as batch_id
from {{ source('raw_dmp', 'dmp_audit_suspect') }}
