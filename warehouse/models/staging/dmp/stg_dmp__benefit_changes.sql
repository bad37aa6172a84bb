select
    to_date(data_month, 'YYYYMM') as month_start,
    data_month,
    change_id,
    person_id,
    upper(id_number)    as id_number,
    person_name,
    insurance_type      as insurance_type_code,
    district_code,
    change_type         as change_type_code,
    nullif(change_reason, '') as change_reason,
    old_amount,
    new_amount,
    operator_id,
    approver_id,
    change_date,
    case when change_time ~ '^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$'
         then to_timestamp(change_time, 'HH24MISS')::time end as change_time,
    _batch_id           as batch_id
from {{ source('raw_dmp', 'dmp_benefit_change') }}
