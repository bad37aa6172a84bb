-- Pre-aggregate of fct_medical_account_person_month for the cube (aggregate awareness,
-- cube/cubes/medical_account.yaml): month × district × gender × age band × person type, additive measures
-- pre-summed. `spenders` = sum(has_spending): exact as a distinct count only WITHIN one month; longer periods:
-- agg_medical_account_spender_period / _year. Incremental like the fact.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set staged = [ref('stg_medical_account__monthly_accounts')] %}

with months as (
    {{ month_batch(staged) }}
)
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.gender_code,
    f.age_band_code,
    f.person_type_code,
    count(*)::bigint                                as fact_rows,
    sum(f.is_retired)::bigint                       as retired_holders,
    sum(f.has_spending)::bigint                     as spenders,
    sum(f.credit_amount)::numeric(18,2)             as credit_amount,
    sum(f.spent)::numeric(18,2)                     as spent,
    sum(f.spend_outpatient)::numeric(18,2)          as spend_outpatient,
    sum(f.spend_pharmacy)::numeric(18,2)            as spend_pharmacy,
    sum(f.balance_end)::numeric(18,2)               as balance_end,
    m.source_batch_id
from {{ ref('fct_medical_account_person_month') }} f
join months m on m.month_start = f.month_start
where {{ in_months_to_build(staged, 'f.month_start') }}
group by f.month_start, f.month_key, f.district_code, f.gender_code, f.age_band_code, f.person_type_code,
         m.source_batch_id
