-- 劳动人事争议仲裁案件月度事实(案件 × 月): every case handled in the month — carried over or accepted —
-- with its closing in the month. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.case_id, i.district_code, i.case_origin_code, i.cause_code, i.closing_method_code, i.accept_date, i.close_date,
    i.is_carried_over::int::smallint as is_carried_over,
    i.is_accepted::int::smallint     as is_accepted,
    i.is_closed::int::smallint       as is_closed,
    i.is_mediated::int::smallint     as is_mediated,
    i.is_awarded::int::smallint      as is_awarded,
    i.is_withdrawn::int::smallint    as is_withdrawn,
    i.is_other_closed::int::smallint as is_other_closed,
    i.is_collective::int::smallint   as is_collective,
    i.workers_involved,
    i.amount_claimed::numeric(16,2)  as amount_claimed,
    i.amount_settled::numeric(16,2)  as amount_settled,
    i.days_to_close,
    b.source_batch_id
from {{ ref('int_arbitration__cases') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
