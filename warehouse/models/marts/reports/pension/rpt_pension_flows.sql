-- 企业职工养老保险人员流动(月 × 区县): who joined, left, retired or moved district between the previous month and this
-- one, from the person × month fact (persons with an insured status: active or retired). In-flows are counted at this
-- month's district, out-flows at last month's, so for every district
--   insured_end = insured_start + active_joiners + retired_joiners − active_leavers − retiree_exits + transfers_in − transfers_out
-- (tested). The flows of a month whose previous month is not in the warehouse are null (never 0).
-- Incremental: a month is rebuilt when its own files or the previous month's have a newer load batch (a re-delivery of
-- month t restates the flows of t and t + 1).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{#- Same interfaces as the fact (staged_relations walks through it), so both rebuild the same months in one run. -#}
{%- set changed = months_to_build_list() %}
{%- set months = changed + shift_month_list(changed, 1) %}

with cur as (
    select month_start, person_id, district_code, person_type
    from {{ ref('fct_pension_person_month') }}
    where {{ in_month_list('month_start', months) }} and person_type in ('active', 'retired')
),
prev as (
    select (month_start + interval '1 month')::date as month_start, person_id, district_code, person_type
    from {{ ref('fct_pension_person_month') }}
    where {{ in_month_list('month_start', shift_month_list(months, -1)) }} and person_type in ('active', 'retired')
),
pairs as (
    select coalesce(c.month_start, p.month_start) as month_start,
           c.district_code as cur_district, c.person_type as cur_type,
           p.district_code as prev_district, p.person_type as prev_type
    from cur c
    full join prev p on p.month_start = c.month_start and p.person_id = c.person_id
),
inflows as (
    select month_start, cur_district as district_code,
           count(*)                                                              as insured_end,
           count(*) filter (where prev_type is null and cur_type = 'active')    as active_joiners,
           count(*) filter (where prev_type is null and cur_type = 'retired')   as retired_joiners,
           count(*) filter (where prev_type = 'active' and cur_type = 'retired') as retirements,
           count(*) filter (where prev_type is not null and prev_district <> cur_district) as transfers_in
    from pairs where cur_type is not null group by 1, 2
),
outflows as (
    select month_start, prev_district as district_code,
           count(*)                                                              as insured_start,
           count(*) filter (where cur_type is null and prev_type = 'active')    as active_leavers,
           count(*) filter (where cur_type is null and prev_type = 'retired')   as retiree_exits,
           count(*) filter (where cur_type is not null and prev_district <> cur_district) as transfers_out
    from pairs where prev_type is not null group by 1, 2
),
built as (      -- the months of the set that have data, and whether their previous month is in the warehouse
    select m.month_start, m.month_key, m.month_label, b.source_batch_id,
           exists (select 1 from {{ ref('fct_pension_person_month') }} x
                   where x.month_start = (m.month_start - interval '1 month')::date) as has_previous
    from {{ ref('dim_month') }} m
    join ({{ month_batch() }}) b on b.month_start = m.month_start
    where {{ in_month_list('m.month_start', months) }}
      and exists (select 1 from {{ ref('fct_pension_person_month') }} x where x.month_start = m.month_start)
)
select
    b.month_start, b.month_key, b.month_label,
    d.district_code, d.district_name, d.district_sort,
    case when b.has_previous then coalesce(o.insured_start, 0) end::bigint  as insured_start,
    case when b.has_previous then coalesce(i.active_joiners, 0) end::bigint as active_joiners,
    case when b.has_previous then coalesce(i.retired_joiners, 0) end::bigint as retired_joiners,
    case when b.has_previous then coalesce(i.retirements, 0) end::bigint    as retirements,
    case when b.has_previous then coalesce(o.active_leavers, 0) end::bigint as active_leavers,
    case when b.has_previous then coalesce(o.retiree_exits, 0) end::bigint  as retiree_exits,
    case when b.has_previous then coalesce(i.transfers_in, 0) end::bigint   as transfers_in,
    case when b.has_previous then coalesce(o.transfers_out, 0) end::bigint  as transfers_out,
    coalesce(i.insured_end, 0)::bigint                                       as insured_end,
    case when b.has_previous then round((coalesce(i.active_joiners, 0) + coalesce(i.retired_joiners, 0))::numeric
                                        / nullif(o.insured_start, 0), 6) end as joiner_rate,
    case when b.has_previous then round((coalesce(o.active_leavers, 0) + coalesce(o.retiree_exits, 0))::numeric
                                        / nullif(o.insured_start, 0), 6) end as leaver_rate,
    b.source_batch_id
from built b
cross join {{ ref('dim_district') }} d
left join inflows i on i.month_start = b.month_start and i.district_code = d.district_code
left join outflows o on o.month_start = b.month_start and o.district_code = d.district_code
where d.district_code <> '999999' or i.district_code is not null or o.district_code is not null
