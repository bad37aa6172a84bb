-- 临近一年退休人员专题库: the population rule (口径 v1) applied to every candidate — statutory retirement month under
-- the gradual-delay rules, months until it, contribution years (from the first insured date) and the minimum.
with r as (
    select
        c.*,
        with_old.old_month                                                          as old_retirement_month,
        {{ statutory_retirement_month('c.birth_date', 'c.gender_code', 'c.female_base_age') }} as retirement_month
    from {{ ref('topic_near_retirement__candidates') }} c
    cross join {{ retirement_old_month('c.birth_date', 'c.gender_code', 'c.female_base_age') }}
),
m as (
    select r.*,
           ((extract(year from retirement_month) - extract(year from as_of_month)) * 12
            + extract(month from retirement_month) - extract(month from as_of_month))::int as months_to_retirement,
           round(((extract(year from as_of_month) - extract(year from first_insured_date)) * 12
                  + extract(month from as_of_month) - extract(month from first_insured_date))::numeric / 12, 1)
                                                                                as contribution_years,
           round(((extract(year from retirement_month) - extract(year from first_insured_date)) * 12
                  + extract(month from retirement_month) - extract(month from first_insured_date))::numeric / 12, 1)
                                                                                as contribution_years_at_retirement,
           {{ minimum_contribution_years('retirement_month') }}                  as minimum_contribution_years
    from r
)
select
    id_number, person_name, person_id, insurance_type_code, gender_code, birth_date, female_base_age, district_code,
    unit_id, insured_status_code, first_insured_date, as_of_month, old_retirement_month, retirement_month,
    months_to_retirement, contribution_years, contribution_years_at_retirement, minimum_contribution_years,
    now()::timestamp as evaluated_at,
    contribution_years_at_retirement >= minimum_contribution_years            as meets_minimum,
    months_to_retirement between 1 and 12                                      as in_population,
    case when months_to_retirement between 1 and 12 then '12个月内到达法定退休年龄'
         when months_to_retirement <= 0 then '已到达法定退休年龄(尚未办理退休)'
         else '距法定退休年龄超过12个月' end                                     as reason
from m
