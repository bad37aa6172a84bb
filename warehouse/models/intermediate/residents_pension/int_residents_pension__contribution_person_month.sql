-- Residents-pension contributions per person and arrival month (one yearly deduction as a rule).
select
    month_start,
    person_id,
    {{ current_district('max(district_code)') }}  as district_code,
    max(contribution_grade_code)                   as contribution_grade_code,
    sum(personal_amount)                           as personal_contribution,
    sum(subsidy_amount)                            as subsidy_amount,
    sum(assisted_amount)                           as assisted_amount,
    count(*)                                       as contribution_rows
from {{ ref('stg_residents_pension__contributions') }}
group by month_start, person_id
