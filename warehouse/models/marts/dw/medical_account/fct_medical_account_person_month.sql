-- Person × month fact of the employee medical insurance individual account: credits, spending, balances.
-- Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    a.month_start,
    (extract(year from a.month_start) * 100 + extract(month from a.month_start))::int as month_key,
    a.person_id, a.district_code, a.gender_code, a.age_band_code, a.person_type_code,
    (a.person_type_code = '2')::int::smallint              as is_retired,
    (a.credit_amount > 0)::int::smallint                   as has_credit,
    (a.spent > 0)::int::smallint                           as has_spending,
    a.credit_base::numeric(14,2)                           as credit_base,
    a.balance_begin::numeric(14,2)                         as balance_begin,
    a.credit_amount::numeric(14,2)                         as credit_amount,
    a.spend_outpatient::numeric(14,2)                      as spend_outpatient,
    a.spend_pharmacy::numeric(14,2)                        as spend_pharmacy,
    a.spent::numeric(14,2)                                 as spent,
    a.balance_end::numeric(14,2)                           as balance_end,
    b.source_batch_id
from {{ ref('int_medical_account__person_month') }} a
join ({{ month_batch() }}) b on b.month_start = a.month_start
where {{ in_months_to_build('a.month_start') }}
