-- Work-capacity appraisals (劳动能力鉴定结论) with disability grades, appraisal × month. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    a.month_start,
    (extract(year from a.month_start) * 100 + extract(month from a.month_start))::int as month_key,
    a.appraisal_id, a.case_id, a.person_id, a.district_code,
    a.disability_grade_code, a.grade_group, a.nursing_level_code,
    a.is_disabled::int::smallint    as is_disabled,
    a.needs_nursing::int::smallint  as needs_nursing,
    (a.conclusion_date - a.apply_date) as days_to_conclusion,
    b.source_batch_id
from {{ ref('int_injury__appraisals') }} a
join ({{ month_batch() }}) b on b.month_start = a.month_start
where {{ in_months_to_build('a.month_start') }}
