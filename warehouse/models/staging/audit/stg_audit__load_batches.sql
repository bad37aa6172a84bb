-- Batches whose rows are in the raw layer now (re-delivered files supersede their predecessors).
-- Incremental models read this small table, not the raw tables, to find the months to rebuild.
select
    batch_id,
    interface,
    provider,
    data_month as month_start,
    to_char(data_month, 'YYYYMM') as data_month,
    rows_loaded,
    finished_at as loaded_at
from {{ source('audit', 'load_batch') }}
where status = 'loaded'
