-- 职业培训按培训类型(数据挖掘): month × district × training type (only combinations that occur);
-- sums over the types equal rpt_training_overview.
with c as (
    select month_start, district_code, training_type_code, count(*) as courses_running,
           sum(is_started) as courses_started
    from {{ ref('fct_training_course_month') }} group by 1, 2, 3
),
t as (
    select month_start, district_code, training_type_code, sum(is_enrolled_this_month) as trainees_enrolled,
           sum(is_passed) as trainees_completed, sum(is_failed) as trainees_failed,
           sum(is_dropped) as trainees_dropped, sum(has_certificate) as certificates
    from {{ ref('fct_training_trainee_month') }} group by 1, 2, 3
),
s as (
    select month_start, district_code, training_type_code, sum(amount) as subsidy_amount
    from {{ ref('fct_training_subsidy') }} group by 1, 2, 3
),
keys as (
    select month_start, district_code, training_type_code from c
    union select month_start, district_code, training_type_code from t
    union select month_start, district_code, training_type_code from s
)
select
    k.month_start,
    (extract(year from k.month_start) * 100 + extract(month from k.month_start))::int as month_key,
    k.district_code,
    k.training_type_code,
    coalesce(tt.name, '未知')                            as training_type_name,
    coalesce(c.courses_running, 0)::bigint               as courses_running,
    coalesce(c.courses_started, 0)::bigint               as courses_started,
    coalesce(t.trainees_enrolled, 0)::bigint             as trainees_enrolled,
    coalesce(t.trainees_completed, 0)::bigint            as trainees_completed,
    coalesce(t.trainees_failed, 0)::bigint               as trainees_failed,
    coalesce(t.trainees_dropped, 0)::bigint              as trainees_dropped,
    coalesce(t.certificates, 0)::bigint                  as certificates,
    coalesce(s.subsidy_amount, 0)::numeric(18,2)         as subsidy_amount,
    round(t.trainees_completed::numeric
          / nullif(t.trainees_completed + t.trainees_failed + t.trainees_dropped, 0), 4)::numeric(10,4) as completion_rate
from keys k
left join c on c.month_start = k.month_start and c.district_code = k.district_code and c.training_type_code = k.training_type_code
left join t on t.month_start = k.month_start and t.district_code = k.district_code and t.training_type_code = k.training_type_code
left join s on s.month_start = k.month_start and s.district_code = k.district_code and s.training_type_code = k.training_type_code
-- the HR code seeds are loaded with integer codes: compare as text
left join {{ ref('code_training_type') }} tt on tt.code::text = k.training_type_code
