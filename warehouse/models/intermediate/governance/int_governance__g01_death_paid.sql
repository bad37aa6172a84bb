-- G01 死亡后仍有缴费或待遇: a person registered dead by the police (死亡注销) or cremated (民政火化) who has a
-- contribution or a benefit payment in a later month (enterprise / public-institution pension contributions and
-- payments, residents pension payments). One row per death record; the payment in the month of death is allowed.
-- The pensions are read from their month-incremental ODS tables (registrations, contributions and payments summed
-- per person and month: the same sums), so their raw months can be archived (pipeline/raw_retention.py).
with deaths as (
    select 'police_death_cancel'::text as interface, id_number, month_start, death_date
    from {{ ref('stg_police__death_cancellations') }}
    union all
    select 'civil_cremation', id_number, month_start, death_date
    from {{ ref('stg_civil_affairs__cremations') }}
),
ent_ids as (select distinct person_id, id_number from {{ ref('int_pension__person_registration_month') }}
            union select distinct person_id, id_number from {{ ref('int_pension__retiree_registration_month') }}),
pub_ids as (select distinct person_id, id_number from {{ ref('int_public_pension__person_registration_month') }}
            union select distinct person_id, id_number from {{ ref('int_public_pension__retiree_registration_month') }}),
res_ids as (select distinct person_id, id_number from {{ ref('int_residents_pension__enrolment_registration_month') }}),
paid as (
    select i.id_number, c.month_start, 'ent_pension_contribution'::text as counterpart,
           c.contribution_income as amount
    from {{ ref('int_pension__contribution_person_month') }} c join ent_ids i using (person_id)
    union all
    select i.id_number, p.month_start, 'ent_pension_payment', p.pension_paid
    from {{ ref('int_pension__payment_person_month') }} p join ent_ids i using (person_id)
    union all
    select i.id_number, c.month_start, 'public_pension_contribution', c.contribution_income
    from {{ ref('int_public_pension__contribution_person_month') }} c join pub_ids i using (person_id)
    union all
    select i.id_number, p.month_start, 'public_pension_payment', p.pension_paid
    from {{ ref('int_public_pension__payment_person_month') }} p join pub_ids i using (person_id)
    union all
    select i.id_number, p.month_start, 'residents_pension_payment', p.benefit_paid
    from {{ ref('int_residents_pension__payment_person_month') }} p join res_ids i using (person_id)
)
select
    'G01'::text                                    as rule_id,
    d.interface,
    d.month_start                                  as data_month,
    d.id_number                                    as record_key,
    string_agg(distinct p.counterpart, ',')        as counterpart,
    min(p.month_start)                             as first_violation_month,
    max(p.month_start)                             as last_violation_month,
    '死亡日期' || d.death_date || ', 之后仍有' || count(distinct p.month_start) || '个月缴费或待遇, 合计'
        || sum(p.amount) || '元'                   as detail
from deaths d
join paid p on p.id_number = d.id_number and p.month_start > date_trunc('month', d.death_date)
group by d.interface, d.month_start, d.id_number, d.death_date
