-- 北京市社保权益查询专题库: the population rule (口径 v1) applied to every person × insurance with a registration in
-- the 12 months to the as-of month: latest registration, contributions and benefits in that window.
-- A moving window: every row can change when the as-of month moves, so the table is recomputed on every build —
-- but from the month parts int_insurance_rights__{registration,contribution,benefit}_month (typed, one row per
-- person × insurance × month, incremental by month), not from 12 months of every register and payment file in raw.
-- A new month M builds the parts' month M only; a re-delivered (or late) month M rebuilds the parts' month M only,
-- and changes this table iff M is in the window (as-of − 11 … as-of); the window's other months are read as built.
with win as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
reg as (
    select distinct on (p.insurance_type_code, p.id_number)
        p.insurance_type_code, p.insurance_type_name, p.id_number, p.person_name, p.person_id, p.month_start,
        p.status_code, p.first_insured_date
    from {{ ref('int_insurance_rights__registration_month') }} p, win
    where p.month_start between win.from_month and win.as_of_month
    order by p.insurance_type_code, p.id_number, p.month_start desc, p.status_code desc, p.person_id
),
contrib as (
    select p.insurance_type_code, p.person_id, count(distinct p.fee_month_start) as months,
           max(p.fee_month_start) as last_fee_month, sum(p.amount) as amount
    from {{ ref('int_insurance_rights__contribution_month') }} p, win
    where p.month_start between win.from_month and win.as_of_month
    group by p.insurance_type_code, p.person_id
),
benefit as (
    select p.insurance_type_code, p.person_id, sum(p.amount) as amount
    from {{ ref('int_insurance_rights__benefit_month') }} p, win
    where p.month_start between win.from_month and win.as_of_month
    group by p.insurance_type_code, p.person_id
)
select
    r.id_number, r.person_name, r.insurance_type_code, r.insurance_type_name, r.person_id,
    r.month_start as last_registered_month, r.status_code, r.first_insured_date,
    coalesce(c.months, 0) as contribution_months_12m, c.last_fee_month, coalesce(c.amount, 0) as contribution_amount_12m,
    coalesce(b.amount, 0) as benefit_amount_12m, w.as_of_month, now()::timestamp as evaluated_at,
    true as in_population,
    case when r.month_start = w.as_of_month then '口径月份在册(' || r.insurance_type_name || ')'
         else '12个月内曾在册(' || r.insurance_type_name || ')' end as reason
from reg r
cross join win w
left join contrib c on c.insurance_type_code = r.insurance_type_code and c.person_id = r.person_id
left join benefit b on b.insurance_type_code = r.insurance_type_code and b.person_id = r.person_id
