-- Month calendar (year > quarter > month) from the first to the last month any source delivered
-- (the providers' check tables cover every source), without gaps so growth rates can be computed.
-- data_scale: the size of the month's data against Beijing (1 for real deliveries; a synthetic drop's scale from its
-- manifest): the one factor every comparison figure (fund budgets, KPI goals) is taken at, so ratios read as Beijing's.
with bounds as (
    select min(month_start) as first_month, max(month_start) as last_month
    from (
        select month_start from {{ ref('stg_provider__check_table') }}
        union all
        select month_start from {{ ref('int_pension__person_month') }}
    ) m
)
select
    m::date                                              as month_start,
    (extract(year from m) * 100 + extract(month from m))::int as month_key,
    extract(year from m)::int                            as year,
    extract(quarter from m)::int                         as quarter,
    extract(month from m)::int                           as month,
    to_char(m, 'YYYY"Q"Q')                                as year_quarter,
    to_char(m, 'YYYY"年"MM"月"')                          as month_label,
    (m + interval '1 month - 1 day')::date               as month_end,
    coalesce(s.data_scale, 1)::numeric                   as data_scale
from bounds
cross join generate_series(bounds.first_month, bounds.last_month, interval '1 month') as m
left join {{ ref('stg_audit__drop_manifests') }} s on s.month_start = m::date
