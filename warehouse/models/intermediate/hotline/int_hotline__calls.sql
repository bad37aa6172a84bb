-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 12333呼叫清洗: one row per call; hour of day from the start time, weekday, channel flags.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, call_id) *
    from {{ ref('stg_hotline__calls') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, call_id, batch_id desc
)
select
    d.month_start,
    d.call_id,
    d.call_date,
    case when d.start_time ~ '^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$'
         then substr(d.start_time, 1, 2)::int end                          as call_hour,
    extract(isodow from d.call_date)::int                                  as weekday,
    case when exists (select 1 from {{ ref('code_hotline_channel') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.channel_code)
         then d.channel_code else 'Z' end       as channel_code,
    case when exists (select 1 from {{ ref('code_service_type') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.service_type_code)
         then d.service_type_code else 'ZZ' end    as service_type_code,
    (d.channel_code = '1')                                                 as is_agent,
    (d.channel_code = '2')                                                 as is_self_service,
    (d.channel_code = '3')                                                 as is_abandoned,
    (d.satisfaction is not null)                                           as is_rated,
    (d.satisfaction in (4, 5))                                             as is_satisfied,
    coalesce(d.wait_seconds, 0)                                            as wait_seconds,
    coalesce(d.talk_seconds, 0)                                            as talk_seconds,
    d.batch_id,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
