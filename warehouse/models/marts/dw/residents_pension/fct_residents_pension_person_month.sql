-- Person × month fact of the urban-rural residents pension (城乡居民基本养老保险): enrolment status,
-- the yearly contribution (personal, government subsidy, contributions paid for assisted groups) and
-- the monthly benefit (basic + individual account, balance refunds on death).
-- Incremental by month (see fct_pension_person_month). A contribution or payment without an
-- enrolment row that month is kept (enrol_status_code '0', is_insured false) with its own district.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with e as (select * from {{ ref('int_residents_pension__enrolment_month') }} where {{ in_months_to_build('month_start') }}),
c as (select * from {{ ref('int_residents_pension__contribution_person_month') }} where {{ in_months_to_build('month_start') }}),
p as (select * from {{ ref('int_residents_pension__payment_person_month') }} where {{ in_months_to_build('month_start') }}),
joined as (
    select
        coalesce(e.month_start, c.month_start, p.month_start)          as month_start,
        coalesce(e.person_id, c.person_id, p.person_id)                as person_id,
        coalesce(e.district_code, c.district_code, p.district_code, '999999') as district_code,
        coalesce(e.gender_code, '9')                                   as gender_code,
        coalesce(e.age_band_code, 'A9')                                as age_band_code,
        coalesce(e.hukou_type_code, '99')                              as hukou_type_code,
        coalesce(e.enrol_status_code, '0')                             as enrol_status_code,
        coalesce(e.is_insured, false)::int::smallint                   as is_insured,
        coalesce(e.is_beneficiary, false)::int::smallint               as is_beneficiary,
        (e.enrol_date >= e.month_start and e.enrol_date < e.month_start + interval '1 month')::int::smallint
                                                                       as is_new_enrolee,
        (e.is_beneficiary and e.benefit_start_date >= e.month_start
             and e.benefit_start_date < e.month_start + interval '1 month')::int::smallint as is_new_beneficiary,
        coalesce(c.contribution_grade_code, e.contribution_grade_code) as contribution_grade_code,
        coalesce(e.assisted_group_code, '0')                           as assisted_group_code,
        (c.person_id is not null)::int::smallint                       as is_contributor,
        (p.person_id is not null)::int::smallint                       as is_paid,
        coalesce(c.personal_contribution, 0)::numeric(14,2)            as personal_contribution,
        coalesce(c.subsidy_amount, 0)::numeric(14,2)                   as subsidy_amount,
        coalesce(c.assisted_amount, 0)::numeric(14,2)                  as assisted_amount,
        coalesce(p.basic_pension_paid, 0)::numeric(14,2)               as basic_pension_paid,
        coalesce(p.account_pension_paid, 0)::numeric(14,2)             as account_pension_paid,
        coalesce(p.refund_paid, 0)::numeric(14,2)                      as refund_paid,
        coalesce(p.benefit_paid, 0)::numeric(14,2)                     as benefit_paid
    from e
    full join c on c.month_start = e.month_start and c.person_id = e.person_id
    full join p on p.month_start = coalesce(e.month_start, c.month_start)
               and p.person_id = coalesce(e.person_id, c.person_id)
)
select
    j.month_start,
    (extract(year from j.month_start) * 100 + extract(month from j.month_start))::int as month_key,
    j.person_id, j.district_code, j.gender_code, j.age_band_code, j.hukou_type_code,
    j.enrol_status_code, j.is_insured, j.is_beneficiary,
    coalesce(j.is_new_enrolee, 0)::smallint     as is_new_enrolee,
    coalesce(j.is_new_beneficiary, 0)::smallint as is_new_beneficiary,
    j.contribution_grade_code, j.assisted_group_code, j.is_contributor, j.is_paid,
    j.personal_contribution, j.subsidy_amount, j.assisted_amount,
    (j.subsidy_amount + j.assisted_amount)::numeric(14,2)                     as government_subsidy,
    j.basic_pension_paid, j.account_pension_paid, j.refund_paid, j.benefit_paid,
    (j.subsidy_amount + j.assisted_amount + j.basic_pension_paid)::numeric(14,2) as fiscal_subsidy,
    b.source_batch_id
from joined j
join ({{ month_batch() }}) b on b.month_start = j.month_start
