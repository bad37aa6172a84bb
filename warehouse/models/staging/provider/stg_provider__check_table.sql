select
    c.source,
    c.data_month          as month_start,
    c.district_code,
    c.measure,
    c.value,
    -- false when the source was not delivered in full that month (a forced load): nothing to compare with
    not exists (select 1 from {{ ref('stg_audit__undelivered_sources') }} u
                where u.source = c.source and u.month_start = c.data_month) as source_delivered
from {{ source('raw_provider', 'check_table') }} c
