-- 职工医保个人账户(人 × 月): one row per month and person, districts mapped, person type checked,
-- age band at month end; 支出 = 门诊 + 定点药店.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, person_id) *
    from {{ ref('stg_medical_account__monthly_accounts') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, batch_id desc
)
select
    d.month_start,
    d.person_id,
    {{ person_month_attributes('d') }},
    {{ known_code('d.person_type_code', 'code_med_person_type', '9') }} as person_type_code,
    d.unit_id,
    d.credit_base,
    d.balance_begin,
    d.credit_amount,
    d.spend_outpatient,
    d.spend_pharmacy,
    d.spend_outpatient + d.spend_pharmacy                            as spent,
    d.balance_end,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
