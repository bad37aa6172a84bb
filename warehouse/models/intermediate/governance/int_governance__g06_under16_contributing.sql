-- G06 未满16周岁参保缴费: an enterprise-pension contribution for a fee month in which the person, by the birth date in
-- the ID number, was not yet 16. The ID number is the person's registration of the same data month. Read from the
-- month-incremental ODS tables (contributions per person, arrival and fee month), so the raw months can be archived.
with ids as (select distinct month_start, person_id, id_number from {{ ref('int_pension__person_registration_month') }})
select
    'G06'::text                       as rule_id,
    'ent_pension_contribution'::text  as interface,
    c.month_start                     as data_month,
    i.id_number                       as record_key,
    null::text                        as counterpart,
    min(c.fee_month_start)            as first_violation_month,
    max(c.month_start)                as last_violation_month,
    '出生日期' || {{ id_birth_date('i.id_number') }} || ', 费款所属期' || to_char(min(c.fee_month_start), 'YYYYMM')
        || '时未满16周岁' as detail
from {{ ref('int_pension__contribution_fee_month') }} c
join ids i using (month_start, person_id)
where {{ id_birth_date('i.id_number') }} > (c.fee_month_start + interval '1 month' - interval '16 years')::date - 1
group by c.month_start, i.id_number
