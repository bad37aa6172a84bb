-- Audit / internal-control suspicions (one row per suspicion of the DMP audit list). Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    a.month_start,
    (extract(year from a.month_start) * 100 + extract(month from a.month_start))::int as month_key,
    a.suspect_id,
    a.rule_code,
    a.rule_module,
    a.insurance_type_code,
    a.person_id,
    a.district_code,
    a.amount::numeric(14,2)  as amount,
    a.related_change_id,
    a.detect_date,
    a.check_status_code,
    b.source_batch_id
from {{ ref('int_dmp__audit_suspects') }} a
join ({{ month_batch() }}) b on b.month_start = a.month_start
where {{ in_months_to_build('a.month_start') }}
