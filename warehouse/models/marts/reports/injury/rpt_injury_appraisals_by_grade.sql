-- 劳动能力鉴定伤残等级分布(数据挖掘): month × district × disability grade, combinations present only.
select
    f.month_start, f.month_key, f.district_code, f.disability_grade_code, f.grade_group,
    count(*)::bigint              as appraisals,
    sum(f.is_disabled)::bigint    as disabled,
    sum(f.needs_nursing)::bigint  as needs_nursing,
    round(avg(f.days_to_conclusion), 1)::numeric(8,1) as avg_days_to_conclusion
from {{ ref('fct_injury_appraisal') }} f
group by 1, 2, 3, 4, 5
