-- 在职职工培训(月 × 区县), from the manual-entry workbook; every district every month.
select
    r.month_start, r.month_key, r.month_label, r.district_code, r.district_name, r.district_sort,
    coalesce(t.enterprises, 0)                                          as enterprises,
    coalesce(t.trainees, 0)                                             as trainees,
    coalesce(t.completed, 0)                                            as completed,
    coalesce(t.certificates, 0)                                         as certificates,
    coalesce(t.subsidy_amount, 0)::numeric(18,2)                        as subsidy_amount,
    round(t.completed::numeric / nullif(t.trainees, 0), 4)              as completion_rate,
    round(t.certificates::numeric / nullif(t.completed, 0), 4)          as certificate_rate
from {{ ref('rpt_pension_overview') }} r
left join {{ ref('stg_manual__training_inservice') }} t
    on t.month_start = r.month_start and t.district_code = r.district_code
where r.district_code not in ('999999', {{ beijing_code() }})
