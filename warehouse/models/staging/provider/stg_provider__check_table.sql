select
    source,
    data_month          as month_start,
    district_code,
    measure,
    value
from {{ source('raw_provider', 'check_table') }}
