select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    call_id,
    call_date,
    start_time,
    channel                         as channel_code,
    service_type                    as service_type_code,
    wait_seconds,
    talk_seconds,
    nullif(agent_id, '')            as agent_id,
    satisfaction,
    _batch_id                       as batch_id
from {{ source('raw_hotline', 'hotline_call') }}
