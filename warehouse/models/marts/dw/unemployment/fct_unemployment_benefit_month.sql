-- Benefit payments of unemployment insurance, person × month × benefit type:
-- 'unemployment_benefit' 失业保险金 and 'migrant_allowance' 农民工一次性生活补助. Incremental by month.
-- The insured file is staged too: the allowance recipients' gender comes from it.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with benefits as (
    select
        b.month_start, b.person_id, 'unemployment_benefit'::text as benefit_type,
        b.district_code, b.gender_code,
        b.contribution_years, b.entitled_months, b.month_no, b.remaining_months,
        null::bigint as allowance_months,
        b.is_new_claimant::int::smallint as is_new_claimant,
        b.benefit_paid as amount_paid
    from {{ ref('int_unemployment__benefit_person_month') }} b
    where {{ in_months_to_build('b.month_start') }}
),
allowances as (
    select
        a.month_start, a.person_id, 'migrant_allowance'::text,
        a.district_code, coalesce(i.gender_code, '9'),
        null::bigint, null::bigint, null::bigint, null::bigint,
        a.allowance_months,
        1::smallint,   -- a one-off allowance: every recipient is a new claimant
        a.allowance_paid
    from {{ ref('int_unemployment__migrant_allowance_person_month') }} a
    left join {{ ref('int_unemployment__insured_person_month') }} i
        on i.month_start = a.month_start and i.person_id = a.person_id
    where {{ in_months_to_build('a.month_start') }}
),
unioned as (
    select * from benefits
    union all
    select * from allowances
)
select
    u.month_start,
    (extract(year from u.month_start) * 100 + extract(month from u.month_start))::int as month_key,
    u.person_id, u.benefit_type, u.district_code, u.gender_code,
    u.contribution_years, u.entitled_months, u.month_no, u.remaining_months, u.allowance_months,
    u.is_new_claimant, u.amount_paid::numeric(14,2) as amount_paid,
    b.source_batch_id
from unioned u
join ({{ month_batch() }}) b on b.month_start = u.month_start
