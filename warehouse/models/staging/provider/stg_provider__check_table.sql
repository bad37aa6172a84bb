select
    c.source,
    c.data_month          as month_start,
    c.district_code,
    c.measure,
    c.value,
    -- false when the source was not delivered in full that month (a forced load: some interface of the source
    -- has no loaded batch): nothing to compare with. Read from the audit sources directly, not from another view,
    -- so that rebuilding a staging view (drop … cascade) never takes this one with it.
    not exists (
        select 1
        from {{ source('audit', 'interface') }} i
        where i.source = c.source
          and exists (select 1 from {{ source('audit', 'load_batch') }} a where a.data_month = c.data_month
                      and a.status = 'loaded')
          and not exists (select 1 from {{ source('audit', 'load_batch') }} b
                          where b.interface = i.interface and b.data_month = c.data_month and b.status = 'loaded')
    ) as source_delivered
from {{ source('raw_provider', 'check_table') }} c
