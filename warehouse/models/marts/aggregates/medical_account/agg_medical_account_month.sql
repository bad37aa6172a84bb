-- Pre-aggregate of fct_medical_account_person_month for the cube (aggregate awareness,
-- cube/cubes/medical_account.yaml): month × district × gender × age band × person type, additive measures
-- pre-summed. `spenders` = sum(has_spending): exact as a distinct count only WITHIN one month; longer periods:
-- agg_medical_account_spender_period / _year. Incremental like the fact.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

{{ month_preaggregate(ref('fct_medical_account_person_month'),
                     ['district_code', 'gender_code', 'age_band_code', 'person_type_code'],
                     [['retired_holders', 'is_retired', 'bigint'],
                      ['spenders', 'has_spending', 'bigint'],
                      ['credit_amount', 'credit_amount', 'numeric(18,2)'],
                      ['spent', 'spent', 'numeric(18,2)'],
                      ['spend_outpatient', 'spend_outpatient', 'numeric(18,2)'],
                      ['spend_pharmacy', 'spend_pharmacy', 'numeric(18,2)'],
                      ['balance_end', 'balance_end', 'numeric(18,2)']]) }}
