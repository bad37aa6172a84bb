-- 劳动人事信访事实(信访件 × 月): petitions received in the month with their handling status at month end.
-- Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    i.month_start,
    (extract(year from i.month_start) * 100 + extract(month from i.month_start))::int as month_key,
    i.petition_id, i.district_code, i.channel_code, i.matter_type_code, i.receive_date, i.persons,
    i.is_collective::int::smallint as is_collective,
    i.is_repeat::int::smallint     as is_repeat,
    i.is_handled::int::smallint    as is_handled,
    i.is_anonymous::int::smallint  as is_anonymous,
    i.response_days,
    b.source_batch_id
from {{ ref('int_petition__cases') }} i
join ({{ month_batch() }}) b on b.month_start = i.month_start
where {{ in_months_to_build('i.month_start') }}
