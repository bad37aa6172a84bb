-- Every month from the first loaded month to the last (no gaps, so growth rates can be computed).
with bounds as (
    select min(month_start) as first_month, max(month_start) as last_month
    from {{ ref('int_pension__person_month') }}
)
select
    m::date                                              as month_start,
    (extract(year from m) * 100 + extract(month from m))::int as month_key,
    extract(year from m)::int                            as year,
    extract(quarter from m)::int                         as quarter,
    extract(month from m)::int                           as month,
    to_char(m, 'YYYY"Q"Q')                                as year_quarter,
    to_char(m, 'YYYY"年"MM"月"')                          as month_label,
    (m + interval '1 month - 1 day')::date               as month_end
from bounds, generate_series(bounds.first_month, bounds.last_month, interval '1 month') as m
