-- 仲裁案件按争议原因(数据挖掘): month × district × dispute cause × collective flag (only combinations that
-- occur); sums equal rpt_arbitration_overview. Rates as in the overview.
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.cause_code,
    coalesce(c.name, '未知')                          as cause_name,
    f.is_collective,
    sum(f.is_carried_over)::bigint                    as carried_over,
    sum(f.is_accepted)::bigint                        as accepted,
    count(*)::bigint                                  as cases_handled,
    sum(f.is_closed)::bigint                          as closed,
    sum(f.is_mediated)::bigint                        as mediated,
    sum(f.is_awarded)::bigint                         as awarded,
    sum(f.is_withdrawn)::bigint                       as withdrawn,
    sum(f.is_collective)::bigint                      as collective_cases,
    sum(f.workers_involved)::bigint                   as workers_involved,
    sum(f.amount_claimed)::numeric(18,2)              as amount_claimed,
    round(sum(f.is_closed)::numeric / nullif(count(*), 0), 4)::numeric(10,4)           as closure_rate,
    round(sum(f.is_mediated)::numeric / nullif(sum(f.is_closed), 0), 4)::numeric(10,4) as mediation_rate
from {{ ref('fct_arbitration_case_month') }} f
-- the HR code seeds are loaded with integer codes: compare as zero-padded text
left join {{ ref('code_dispute_cause') }} c on lpad(c.code::text, 2, '0') = f.cause_code
group by 1, 2, 3, 4, 5, 6
