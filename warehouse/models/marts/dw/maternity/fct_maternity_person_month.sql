-- Person × month fact of maternity insurance: insured status. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    s.month_start,
    (extract(year from s.month_start) * 100 + extract(month from s.month_start))::int as month_key,
    s.person_id, s.district_code, s.gender_code, s.age_band_code, s.insured_status_code,
    s.is_insured::int::smallint as is_insured,
    b.source_batch_id
from {{ ref('int_maternity__insured_person_month') }} s
join ({{ month_batch() }}) b on b.month_start = s.month_start
where {{ in_months_to_build('s.month_start') }}
