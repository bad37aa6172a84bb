-- 职业技能培训概览: one row per loaded month × district of the training institution (zeros included),
-- plus the Beijing row 110000 北京市(全市) = the sum of the district rows incl. 999999 (macros/beijing_total.sql).
-- 结业合格率 = passed ÷ (passed + failed + dropped out) of the trainees leaving training in the month;
-- 人均补贴 = subsidy amount ÷ trainees passed.
with months as (
    select month_start from {{ ref('fct_training_course_month') }}
    union select month_start from {{ ref('fct_training_trainee_month') }}
    union select month_start from {{ ref('fct_training_subsidy') }}
),
c as (
    select month_start, district_code, count(*) as courses_running, sum(is_started) as courses_started,
           sum(is_ending) as courses_ending
    from {{ ref('fct_training_course_month') }} group by 1, 2
),
t as (
    select month_start, district_code, count(*) as trainees, sum(is_enrolled_this_month) as trainees_enrolled,
           sum(is_in_training) as trainees_in_training, sum(is_passed) as trainees_completed,
           sum(is_failed) as trainees_failed, sum(is_dropped) as trainees_dropped, sum(has_certificate) as certificates
    from {{ ref('fct_training_trainee_month') }} group by 1, 2
),
s as (
    select month_start, district_code, count(*) as subsidy_payments, sum(amount) as subsidy_amount,
           sum(amount) filter (where subsidy_item_code = '01') as subsidy_training,
           sum(amount) filter (where subsidy_item_code = '02') as subsidy_evaluation,
           sum(amount) filter (where subsidy_item_code = '03') as subsidy_living
    from {{ ref('fct_training_subsidy') }} group by 1, 2
),
base_districts as (
    select
        m.month_start, d.district_code, d.district_name, d.district_sort,
        coalesce(c.courses_running, 0)::bigint       as courses_running,
        coalesce(c.courses_started, 0)::bigint       as courses_started,
        coalesce(c.courses_ending, 0)::bigint        as courses_ending,
        coalesce(t.trainees, 0)::bigint              as trainees,
        coalesce(t.trainees_enrolled, 0)::bigint     as trainees_enrolled,
        coalesce(t.trainees_in_training, 0)::bigint  as trainees_in_training,
        coalesce(t.trainees_completed, 0)::bigint    as trainees_completed,
        coalesce(t.trainees_failed, 0)::bigint       as trainees_failed,
        coalesce(t.trainees_dropped, 0)::bigint      as trainees_dropped,
        coalesce(t.certificates, 0)::bigint          as certificates,
        coalesce(s.subsidy_payments, 0)::bigint      as subsidy_payments,
        coalesce(s.subsidy_amount, 0)::numeric(18,2)     as subsidy_amount,
        coalesce(s.subsidy_training, 0)::numeric(18,2)   as subsidy_training,
        coalesce(s.subsidy_evaluation, 0)::numeric(18,2) as subsidy_evaluation,
        coalesce(s.subsidy_living, 0)::numeric(18,2)     as subsidy_living
    from months m
    cross join {{ ref('dim_district') }} d
    left join c on c.month_start = m.month_start and c.district_code = d.district_code
    left join t on t.month_start = m.month_start and t.district_code = d.district_code
    left join s on s.month_start = m.month_start and s.district_code = d.district_code
    where d.district_code <> '999999' or c.district_code is not null or t.district_code is not null
       or s.district_code is not null
),
base as (
    select * from base_districts
    union all
    {{ beijing_total('base_districts', ['month_start'],
                     ['courses_running:bigint', 'courses_started:bigint', 'courses_ending:bigint', 'trainees:bigint', 'trainees_enrolled:bigint', 'trainees_in_training:bigint', 'trainees_completed:bigint', 'trainees_failed:bigint', 'trainees_dropped:bigint', 'certificates:bigint', 'subsidy_payments:bigint', 'subsidy_amount:numeric(18,2)', 'subsidy_training:numeric(18,2)', 'subsidy_evaluation:numeric(18,2)', 'subsidy_living:numeric(18,2)']) }}
)
select
    b.month_start,
    (extract(year from b.month_start) * 100 + extract(month from b.month_start))::int as month_key,
    to_char(b.month_start, 'YYYY"年"MM"月"')                                          as month_label,
    b.district_code, b.district_name, b.district_sort,
    b.courses_running, b.courses_started, b.courses_ending, b.trainees, b.trainees_enrolled,
    b.trainees_in_training, b.trainees_completed, b.trainees_failed, b.trainees_dropped, b.certificates,
    b.subsidy_payments, b.subsidy_amount, b.subsidy_training, b.subsidy_evaluation, b.subsidy_living,
    round(b.trainees_completed::numeric
          / nullif(b.trainees_completed + b.trainees_failed + b.trainees_dropped, 0), 4)::numeric(10,4) as completion_rate,
    round(b.subsidy_amount / nullif(b.trainees_completed, 0), 2)::numeric(12,2)                      as subsidy_per_completed,
    round((b.trainees_enrolled - pm.trainees_enrolled)::numeric / nullif(pm.trainees_enrolled, 0), 4)::numeric(12,4) as trainees_enrolled_mom_growth,
    round((b.trainees_enrolled - py.trainees_enrolled)::numeric / nullif(py.trainees_enrolled, 0), 4)::numeric(12,4) as trainees_enrolled_yoy_growth,
    round((b.subsidy_amount - pm.subsidy_amount) / nullif(pm.subsidy_amount, 0), 4)::numeric(12,4)  as subsidy_mom_growth,
    round((b.subsidy_amount - py.subsidy_amount) / nullif(py.subsidy_amount, 0), 4)::numeric(12,4)  as subsidy_yoy_growth
from base b
left join base pm on pm.district_code = b.district_code and pm.month_start = (b.month_start - interval '1 month')::date
left join base py on py.district_code = b.district_code and py.month_start = (b.month_start - interval '1 year')::date
