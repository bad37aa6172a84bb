-- G02 注销单位仍在缴费: a unit the legal-person register (经信局) records as deregistered that still has enterprise-pension
-- contributions in a month after the month of deregistration. One row per unit, dated by the register month that
-- first carried the deregistration. Contributions from the month-incremental ODS table (per person and unit), so the
-- raw months of the contributions can be archived (pipeline/raw_retention.py).
with dereg as (
    select credit_code, min(deregister_date) as deregister_date, min(month_start) as first_month
    from {{ ref('stg_legal_person__legal_persons') }}
    where deregister_date is not null
    group by credit_code
),
units as (select distinct unit_id, credit_code from {{ ref('stg_pension__units') }}),
contrib as (
    select u.credit_code, c.month_start, count(distinct c.person_id) as contributors,
           sum(c.contribution_amount) as amount
    from {{ ref('int_pension__contribution_unit_month') }} c join units u using (unit_id)
    group by u.credit_code, c.month_start
)
select
    'G02'::text                         as rule_id,
    'legal_person_basic'::text          as interface,
    d.first_month                       as data_month,
    d.credit_code                       as record_key,
    'ent_pension_contribution'::text    as counterpart,
    min(c.month_start)                  as first_violation_month,
    max(c.month_start)                  as last_violation_month,
    '注销日期' || d.deregister_date || ', 之后' || count(*) || '个月仍有缴费, 最多' || max(c.contributors)
        || '人, 合计' || sum(c.amount) || '元' as detail
from dereg d
join contrib c on c.credit_code = d.credit_code and c.month_start > date_trunc('month', d.deregister_date)
group by d.credit_code, d.deregister_date, d.first_month
