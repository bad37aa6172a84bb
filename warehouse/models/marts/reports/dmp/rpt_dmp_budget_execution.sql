-- 基金预算执行 (财务预算): month × insurance type × budget item, plan, month and year-to-date execution,
-- execution rate against the time progress of the year.
select
    e.month_start,
    e.month_key,
    m.month_label,
    e.budget_year,
    e.insurance_type_code,
    coalesce(it.name, '未知')                                            as insurance_type_name,
    e.budget_item_code,
    coalesce(bi.name, '未知')                                            as budget_item_name,
    e.direction_code,
    e.planned_amount,
    e.executed_month_amount,
    e.executed_ytd_amount,
    e.execution_rate_pct,
    round(m.month * 100.0 / 12, 2)::numeric(9,2)                         as time_progress_pct,
    (e.execution_rate_pct - round(m.month * 100.0 / 12, 2))::numeric(9,2) as progress_gap_pct,
    (e.planned_amount - e.executed_ytd_amount)::numeric(18,2)            as remaining_amount
from {{ ref('fct_dmp_budget_execution') }} e
join {{ ref('dim_month') }} m on m.month_start = e.month_start
left join {{ ref('code_insurance_type') }} it on it.code = e.insurance_type_code
left join {{ ref('code_budget_item') }} bi on bi.code = e.budget_item_code
