-- 技能提升补贴专题库: the comparison rule (口径 v1) applied to every individual subsidy record of the 12 months to the
-- as-of month — was the person contributing to the enterprise pension in the certificate's month, through the unit
-- named on the roster, and is it the person's only subsidy of that level in the window. The pension persons and
-- contributions of every month from the month-incremental ODS tables, so their raw months can be archived.
with win as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
roster as (
    select r.*, count(*) over (partition by r.id_number, r.skill_level_code) as claims_same_level
    from {{ ref('stg_skill_subsidy__person_roster') }} r, win
    where r.month_start between win.from_month and win.as_of_month
),
ids as (select distinct person_id, id_number from {{ ref('int_pension__person_registration_month') }}),
units as (select distinct unit_id, credit_code from {{ ref('stg_pension__units') }}),
paid as (
    select i.id_number, c.month_start, string_agg(distinct u.credit_code, ',') as credit_codes
    from {{ ref('int_pension__contribution_unit_month') }} c
    join ids i using (person_id)
    left join units u using (unit_id)
    group by i.id_number, c.month_start
)
select
    r.data_month || ':' || r.certificate_no                          as record_key,
    r.month_start, r.id_number, r.person_name, r.credit_code, r.skill_level_code, r.certificate_no,
    r.certificate_date, r.subsidy_amount, w.as_of_month, now()::timestamp as evaluated_at,
    p.id_number is not null                                           as insured_in_month,
    coalesce(position(r.credit_code in p.credit_codes) > 0, false)    as unit_matches,
    r.claims_same_level,
    true                                                              as in_population,
    case when p.id_number is null then '发证当月未在企业职工养老保险缴费'
         when position(r.credit_code in p.credit_codes) = 0 then '花名册单位与缴费单位不一致'
         when r.claims_same_level > 1 then '12个月内同一等级重复申领'
         else '比对通过' end                                            as reason
from roster r
cross join win w
left join paid p on p.id_number = r.id_number and p.month_start = date_trunc('month', r.certificate_date)::date
