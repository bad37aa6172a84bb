-- Benefit change events (one row per change in the DMP change log) with the internal-control flags.
-- Incremental by month like the other monthly facts.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    c.month_start,
    (extract(year from c.month_start) * 100 + extract(month from c.month_start))::int as month_key,
    c.change_id,
    c.person_id,
    c.insurance_type_code,
    c.district_code,
    c.change_type_code,
    c.old_amount::numeric(14,2)      as old_amount,
    c.new_amount::numeric(14,2)      as new_amount,
    c.amount_change::numeric(14,2)   as amount_change,
    c.operator_id,
    c.approver_id,
    c.change_date,
    c.change_time,
    c.is_large_increase::int::smallint as is_large_increase,
    c.is_off_hours::int::smallint      as is_off_hours,
    c.is_self_approved::int::smallint  as is_self_approved,
    b.source_batch_id
from {{ ref('int_dmp__benefit_changes') }} c
join ({{ month_batch() }}) b on b.month_start = c.month_start
where {{ in_months_to_build('c.month_start') }}
