-- Work-injury determinations (工伤认定结论), case × determination month. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    d.month_start,
    (extract(year from d.month_start) * 100 + extract(month from d.month_start))::int as month_key,
    d.case_id, d.person_id, d.district_code, d.gender_code, d.age_band_code,
    d.determination_result_code, d.injury_type_code, d.injury_severity_code,
    d.is_recognised::int::smallint  as is_recognised,
    d.is_fatal::int::smallint       as is_fatal,
    d.days_to_determination,
    b.source_batch_id
from {{ ref('int_injury__determinations') }} d
join ({{ month_batch() }}) b on b.month_start = d.month_start
where {{ in_months_to_build('d.month_start') }}
