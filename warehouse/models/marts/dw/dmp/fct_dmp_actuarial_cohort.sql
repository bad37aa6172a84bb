-- Actuarial cohort fact: month × insurance type × gender × single age (0–100+). Incremental by month.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

select
    c.month_start,
    (extract(year from c.month_start) * 100 + extract(month from c.month_start))::int as month_key,
    c.insurance_type_code,
    c.gender_code,
    c.age,
    c.age_band_code,
    sum(c.active_count)::bigint                 as active_count,
    sum(c.retired_count)::bigint                as retired_count,
    sum(c.contributors)::bigint                 as contributors,
    sum(c.new_retirees)::bigint                 as new_retirees,
    sum(c.deaths)::bigint                       as deaths,
    sum(c.contribution_total)::numeric(18,2)    as contribution_total,
    sum(c.pension_total)::numeric(18,2)         as pension_total,
    max(b.source_batch_id)                      as source_batch_id
from {{ ref('int_dmp__actuarial_cohorts') }} c
join ({{ month_batch() }}) b on b.month_start = c.month_start
where {{ in_months_to_build('c.month_start') }}
group by c.month_start, c.insurance_type_code, c.gender_code, c.age, c.age_band_code
