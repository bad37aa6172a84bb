-- Person insurance relations per month (three pension schemes): district mapped, gender checked,
-- age band at month end, status flags.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    r.month_start,
    r.person_id,
    {{ known_code('r.insurance_type_code', 'code_insurance_type', '999') }} as insurance_type_code,
    {{ current_district('r.district_code') }}                            as district_code,
    r.district_code                                                      as source_district_code,
    {{ known_code('r.gender_code', 'code_gender', '9') }}                 as gender_code,
    r.birth_date,
    coalesce({{ age_band('r.birth_date', 'r.month_start') }}, 'A9')      as age_band_code,
    {{ known_code('r.relation_status_code', 'code_relation_status', '9') }} as relation_status_code,
    coalesce(rs.is_insured, false)                                       as is_insured,
    r.relation_status_code in ('1', '2')                                 as is_active,
    r.relation_status_code = '4'                                         as is_retired,
    r.relation_status_code in ('3', '5')                                 as is_ended,
    r.unit_credit_code is not null                                       as has_unit,
    r.start_date,
    r.end_date,
    b.source_batch_id
from (
    select distinct on (month_start, person_id, insurance_type_code) *
    from {{ ref('stg_dmp__person_relations') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, insurance_type_code, batch_id desc
) r
join ({{ month_batch() }}) b using (month_start)
left join {{ ref('code_relation_status') }} rs on rs.code = r.relation_status_code
