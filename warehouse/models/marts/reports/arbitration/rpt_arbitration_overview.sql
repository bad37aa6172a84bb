-- 劳动人事争议仲裁概览: one row per loaded month × district (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
-- 结案率 = closed ÷ (carried over + accepted); 调解率 = mediated ÷ closed.
with months as (
    select distinct month_start from {{ ref('fct_arbitration_case_month') }}
),
a as (
    select month_start, district_code,
           sum(is_carried_over) as carried_over, sum(is_accepted) as accepted, sum(is_closed) as closed,
           sum(is_mediated) as mediated, sum(is_awarded) as awarded, sum(is_withdrawn) as withdrawn,
           sum(is_other_closed) as other_closed, sum(is_collective) as collective_cases,
           sum(workers_involved) as workers_involved,
           sum(workers_involved) filter (where is_collective = 1) as collective_workers,
           sum(amount_claimed) as amount_claimed, sum(amount_settled) as amount_settled,
           sum(days_to_close) as days_to_close_sum
    from {{ ref('fct_arbitration_case_month') }} group by 1, 2
),
base_districts as (
    select
        m.month_start, d.district_code, d.district_name, d.district_sort,
        coalesce(a.carried_over, 0)::bigint      as carried_over,
        coalesce(a.accepted, 0)::bigint          as accepted,
        (coalesce(a.carried_over, 0) + coalesce(a.accepted, 0))::bigint as cases_handled,
        coalesce(a.closed, 0)::bigint            as closed,
        (coalesce(a.carried_over, 0) + coalesce(a.accepted, 0) - coalesce(a.closed, 0))::bigint as pending,
        coalesce(a.mediated, 0)::bigint          as mediated,
        coalesce(a.awarded, 0)::bigint           as awarded,
        coalesce(a.withdrawn, 0)::bigint         as withdrawn,
        coalesce(a.other_closed, 0)::bigint      as other_closed,
        coalesce(a.collective_cases, 0)::bigint  as collective_cases,
        coalesce(a.collective_workers, 0)::bigint as collective_workers,
        coalesce(a.workers_involved, 0)::bigint  as workers_involved,
        coalesce(a.amount_claimed, 0)::numeric(18,2) as amount_claimed,
        coalesce(a.amount_settled, 0)::numeric(18,2) as amount_settled,
        coalesce(a.days_to_close_sum, 0)::bigint as days_to_close_sum
    from months m
    cross join {{ ref('dim_district') }} d
    left join a on a.month_start = m.month_start and a.district_code = d.district_code
    where d.district_code <> '999999' or a.district_code is not null
),
base as (
    select * from base_districts
    union all
    {{ beijing_total('base_districts', ['month_start'],
                     ['carried_over:bigint', 'accepted:bigint', 'cases_handled:bigint', 'closed:bigint', 'pending:bigint', 'mediated:bigint', 'awarded:bigint', 'withdrawn:bigint', 'other_closed:bigint', 'collective_cases:bigint', 'collective_workers:bigint', 'workers_involved:bigint', 'amount_claimed:numeric(18,2)', 'amount_settled:numeric(18,2)', 'days_to_close_sum:bigint']) }}
)
select
    b.month_start,
    (extract(year from b.month_start) * 100 + extract(month from b.month_start))::int as month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                                          as month_label,
    b.district_code, b.district_name, b.district_sort,
    b.carried_over, b.accepted, b.cases_handled, b.closed, b.pending, b.mediated, b.awarded, b.withdrawn,
    b.other_closed, b.collective_cases, b.collective_workers, b.workers_involved, b.amount_claimed,
    b.amount_settled, b.days_to_close_sum,
    round(b.closed::numeric / nullif(b.cases_handled, 0), 4)::numeric(10,4)          as closure_rate,
    round(b.mediated::numeric / nullif(b.closed, 0), 4)::numeric(10,4)               as mediation_rate,
    round(b.days_to_close_sum::numeric / nullif(b.closed, 0), 1)::numeric(10,1)      as avg_days_to_close,
    round((b.accepted - pm.accepted)::numeric / nullif(pm.accepted, 0), 4)::numeric(12,4) as accepted_mom_growth,
    round((b.accepted - py.accepted)::numeric / nullif(py.accepted, 0), 4)::numeric(12,4) as accepted_yoy_growth,
    round((b.closed - pm.closed)::numeric / nullif(pm.closed, 0), 4)::numeric(12,4)       as closed_mom_growth,
    round((b.closed - py.closed)::numeric / nullif(py.closed, 0), 4)::numeric(12,4)       as closed_yoy_growth
from base b
left join base pm on pm.district_code = b.district_code and pm.month_start = (b.month_start - interval '1 month')::date
left join base py on py.district_code = b.district_code and py.month_start = (b.month_start - interval '1 year')::date
