-- Work-injury benefit settlements (工伤审核结算), case × item × settlement month. Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    s.month_start,
    (extract(year from s.month_start) * 100 + extract(month from s.month_start))::int as month_key,
    s.case_id, s.person_id, s.district_code, s.settlement_item_code,
    s.claimed_amount::numeric(14,2)   as claimed_amount,
    s.approved_amount::numeric(14,2)  as approved_amount,
    b.source_batch_id
from {{ ref('int_injury__settlements') }} s
join ({{ month_batch() }}) b on b.month_start = s.month_start
where {{ in_months_to_build('s.month_start') }}
