-- Sources not delivered in full in a month that was loaded (FORCE): at least one of the source's interfaces has no
-- loaded batch for a month in which something was loaded. Their models are empty (or partial) that month, so the
-- comparison with the provider's check table is skipped for that source and month (stg_provider__check_table
-- .source_delivered) and the quality report lists the source as not delivered.
-- Reads the audit sources only (no other view), so replacing a staging view never drops this one with it.
with loaded as (
    select distinct data_month as month_start, interface
    from {{ source('audit', 'load_batch') }}
    where status = 'loaded'
),
months as (
    select distinct month_start from loaded
),
interfaces as (
    select interface, source from {{ source('audit', 'interface') }}
)
select
    i.source,
    m.month_start,
    count(*)::int                                                            as interfaces_expected,
    count(d.interface)::int                                                  as interfaces_delivered,
    string_agg(i.interface, ',' order by i.interface) filter (where d.interface is null) as missing_interfaces
from months m
cross join interfaces i
left join loaded d on d.month_start = m.month_start and d.interface = i.interface
group by i.source, m.month_start
having count(d.interface) < count(*)
