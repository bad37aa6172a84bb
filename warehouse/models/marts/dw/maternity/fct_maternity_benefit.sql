-- Maternity benefit payments, person × item × payment month. Incremental by month (the insured file is
-- staged too: the mother's age band comes from it).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    m.month_start,
    (extract(year from m.month_start) * 100 + extract(month from m.month_start))::int as month_key,
    m.person_id, m.district_code, m.gender_code, m.age_band_code,
    m.benefit_item_code, m.delivery_type_code,
    m.is_allowance::int::smallint            as is_allowance,
    m.babies, m.allowance_days,
    m.allowance_base::numeric(12,2)          as allowance_base,
    m.amount::numeric(14,2)                  as amount_paid,
    (m.paid_date - m.event_date)             as days_event_to_payment,
    b.source_batch_id
from {{ ref('int_maternity__benefits') }} m
join ({{ month_batch() }}) b on b.month_start = m.month_start
where {{ in_months_to_build('m.month_start') }}
