-- Person × insurance type × month fact of insurance relations (three pension schemes) from the DMP extract:
-- status, new and ended relations. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    r.month_start,
    (extract(year from r.month_start) * 100 + extract(month from r.month_start))::int as month_key,
    r.person_id,
    r.insurance_type_code,
    r.district_code,
    r.gender_code,
    r.age_band_code,
    r.relation_status_code,
    r.is_insured::int::smallint  as is_insured,
    r.is_active::int::smallint   as is_active,
    r.is_retired::int::smallint  as is_retired,
    r.is_ended::int::smallint    as is_ended,
    (r.start_date >= r.month_start and r.start_date < r.month_start + interval '1 month')::int::smallint
                                 as is_new_relation,
    r.start_date,
    r.end_date,
    b.source_batch_id
from {{ ref('int_dmp__person_relations') }} r
join ({{ month_batch() }}) b on b.month_start = r.month_start
where {{ in_months_to_build('r.month_start') }}
