-- MetricFlow time spine (day grain) covering the warehouse's history and a few years ahead.
-- MetricFlow needs a spine at or below the finest agg_time_dimension grain (our facts are monthly);
-- a day spine is the conventional choice and lets later daily facts (e.g. 12333 calls) reuse it.
{{ config(materialized='table') }}

select
    d::date                          as date_day,
    date_trunc('month', d)::date     as month_start,
    date_trunc('quarter', d)::date   as quarter_start,
    date_trunc('year', d)::date      as year_start
from generate_series('2000-01-01'::date, '2035-12-31'::date, interval '1 day') as g(d)
