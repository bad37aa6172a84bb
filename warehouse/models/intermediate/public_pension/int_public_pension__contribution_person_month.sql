-- Contributions per person and arrival month: basic pension (16 % + 8 %) and occupational annuity.
select
    month_start,
    person_id,
    max(unit_id)                                                                      as unit_id,
    coalesce(sum(contribution_base) filter (where fee_month_start = month_start), 0)  as contribution_base,
    sum(employer_amount + employee_amount)                                            as contribution_income,
    sum(annuity_employer_amount + annuity_employee_amount)                            as annuity_income,
    count(*)                                                                          as contribution_rows
from {{ ref('stg_public_pension__contributions') }}
group by month_start, person_id
