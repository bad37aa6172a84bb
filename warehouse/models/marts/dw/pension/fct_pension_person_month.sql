-- Person × month fact of the enterprise employee pension: status, contributions and payments.
-- Incremental by month: a month is (re)built when any of its staged files has a newer load batch.
-- Full joins: a contribution or payment without a status row that month is kept (person_type
-- 'unmatched'), never dropped: its income / payment counts, but the person is neither insured nor a
-- contributor (缴费人数 = insured persons with a contribution, arrival month) and his base is not part of
-- the contributors' base. Its district is the person's last known district (latest earlier status row,
-- macros/last_known_district.sql), else the paying unit's, else 999999 未知区县.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with s as (select * from {{ ref('int_pension__person_month') }} where {{ in_months_to_build('month_start') }}),
c as (select * from {{ ref('int_pension__contribution_person_month') }} where {{ in_months_to_build('month_start') }}),
p as (select * from {{ ref('int_pension__payment_person_month') }} where {{ in_months_to_build('month_start') }}),
unmatched as (
    select month_start, person_id from c
    union
    select month_start, person_id from p
    except
    select month_start, person_id from s
),
last_known as ({{ last_known_district('select * from unmatched', ref('int_pension__person_month')) }}),
joined as (
    select
        coalesce(s.month_start, c.month_start, p.month_start)                     as month_start,
        coalesce(s.person_id, c.person_id, p.person_id)                           as person_id,
        coalesce(s.district_code, lk.district_code, u.district_code, '999999')     as district_code,
        coalesce(s.gender_code, '9')                                              as gender_code,
        coalesce(s.age_band_code, 'A9')                                           as age_band_code,
        case when coalesce(s.person_type, 'unmatched') = 'active'
             then coalesce(s.industry_section_code, '99') end                      as industry_section_code,
        case when coalesce(s.person_type, 'unmatched') = 'active'
             then coalesce(s.industry_division_code, '99') end                     as industry_division_code,
        coalesce(s.person_type, 'unmatched')                                      as person_type,
        (c.person_id is not null and s.person_id is not null)::int::smallint      as is_contributor,
        case when s.person_id is not null then coalesce(c.contribution_base, 0) else 0 end::numeric(14,2) as contribution_base,
        coalesce(c.contribution_income, 0)::numeric(14,2)                         as contribution_income,
        coalesce(p.pension_paid, 0)::numeric(14,2)                                as pension_paid,
        coalesce(p.basic_pension_paid, 0)::numeric(14,2)                          as basic_pension_paid
    from s
    full join c on c.month_start = s.month_start and c.person_id = s.person_id
    full join p on p.month_start = coalesce(s.month_start, c.month_start) and p.person_id = coalesce(s.person_id, c.person_id)
    left join {{ ref('int_pension__unit_month') }} u
        on u.month_start = c.month_start and u.unit_id = c.unit_id
    left join last_known lk
        on s.person_id is null and lk.month_start = coalesce(c.month_start, p.month_start)
       and lk.person_id = coalesce(c.person_id, p.person_id)
)
select
    j.month_start,
    (extract(year from j.month_start) * 100 + extract(month from j.month_start))::int as month_key,
    j.person_id, j.district_code, j.gender_code, j.age_band_code, j.industry_section_code, j.industry_division_code,
    j.person_type,
    j.is_contributor, j.contribution_base, j.contribution_income, j.pension_paid, j.basic_pension_paid,
    b.source_batch_id
from joined j
join ({{ month_batch() }}) b on b.month_start = j.month_start
