-- G05 低保特困人员高基数缴费: a 低保 / 特困 / 低收入 recipient (民政) who contributes to the enterprise pension in the
-- same month on a base of at least {{ var('governance_high_base_multiple') }} × the month's lower base limit.
with low as (select month_start, id_number, assist_type_code from {{ ref('stg_civil_affairs__low_income_persons') }}),
ids as (select distinct person_id, id_number from {{ ref('stg_pension__persons') }}),
limits as (select effective_from, effective_to, base_lower from {{ ref('caliber_contribution_base') }})
select
    'G05'::text                       as rule_id,
    'civil_low_income'::text          as interface,
    l.month_start                     as data_month,
    l.id_number                       as record_key,
    'ent_pension_contribution'::text  as counterpart,
    l.month_start                     as first_violation_month,
    l.month_start                     as last_violation_month,
    '救助类别' || l.assist_type_code || ', 当月企业养老缴费基数' || max(c.contribution_base) || '元(下限'
        || min(x.base_lower) || '元)' as detail
from low l
join ids i on i.id_number = l.id_number
join {{ ref('stg_pension__contributions') }} c on c.person_id = i.person_id and c.month_start = l.month_start
join limits x on l.month_start between x.effective_from::date and x.effective_to::date
where c.contribution_base >= {{ var('governance_high_base_multiple') }} * x.base_lower
group by l.month_start, l.id_number, l.assist_type_code
