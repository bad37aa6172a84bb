-- G05 低保特困人员高基数缴费: a 低保 / 特困 / 低收入 recipient (民政) who contributes to the enterprise pension in the
-- same month on a base of at least {{ var('governance_high_base_multiple') }} × the month's lower base limit.
-- The enterprise pension from its month-incremental ODS tables, so its raw months can be archived.
with low as (
    select l.month_start, l.id_number, l.assist_type_code,
           (select x.base_lower from {{ ref('caliber_contribution_base') }} x
             where l.month_start between x.effective_from::date and x.effective_to::date) as base_lower
    from {{ ref('stg_civil_affairs__low_income_persons') }} l
),
ids as (
    select distinct p.person_id, p.id_number
    from {{ ref('int_pension__person_registration_month') }} p
    where p.id_number in (select id_number from low)
),
contrib as (
    select c.month_start, i.id_number, max(c.max_contribution_base) as contribution_base
    from {{ ref('int_pension__contribution_unit_month') }} c
    join ids i using (person_id)
    group by c.month_start, i.id_number
)
select
    'G05'::text                       as rule_id,
    'civil_low_income'::text          as interface,
    l.month_start                     as data_month,
    l.id_number                       as record_key,
    'ent_pension_contribution'::text  as counterpart,
    l.month_start                     as first_violation_month,
    l.month_start                     as last_violation_month,
    '救助类别' || l.assist_type_code || ', 当月企业养老缴费基数' || c.contribution_base || '元(下限'
        || l.base_lower || '元)'      as detail
from low l
join contrib c on c.id_number = l.id_number and c.month_start = l.month_start
where c.contribution_base >= {{ var('governance_high_base_multiple') }} * l.base_lower
