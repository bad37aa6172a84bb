-- Actuarial cohorts (insurance type × gender × single age) with the conformed age band.
select
    c.month_start,
    {{ known_code('c.insurance_type_code', 'code_insurance_type', '999') }} as insurance_type_code,
    {{ known_code('c.gender_code', 'code_gender', '9') }}                 as gender_code,
    c.age,
    coalesce((select ab.code from {{ ref('code_age_band') }} ab where c.age between ab.min_age and ab.max_age), 'A9')
                                                                         as age_band_code,
    c.active_count,
    c.retired_count,
    c.contributors,
    c.new_retirees,
    c.deaths,
    c.contribution_total,
    c.pension_total
from {{ ref('stg_dmp__actuarial_cohorts') }} c
