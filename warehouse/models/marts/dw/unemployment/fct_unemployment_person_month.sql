-- Person × month fact of unemployment insurance: insured status and contributions.
-- Incremental by month (a month is rebuilt when any of its staged files carries a newer load batch).
-- Full join: a contribution without a status row that month is kept (has_status_row = 0): its income
-- counts, but the person is not a contributor (缴费人数 = insured persons with a contribution, arrival month)
-- and his base is not in the contributors' base; its district is the person's last known district
-- (latest earlier status row, macros/last_known_district.sql), else 999999 未知区县.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with s as (select * from {{ ref('int_unemployment__insured_person_month') }} where {{ in_months_to_build('month_start') }}),
c as (select * from {{ ref('int_unemployment__contribution_person_month') }} where {{ in_months_to_build('month_start') }}),
unmatched as (
    select month_start, person_id from c
    except
    select month_start, person_id from s
),
last_known as ({{ last_known_district('select * from unmatched', ref('int_unemployment__insured_person_month')) }}),
joined as (
    select
        coalesce(s.month_start, c.month_start)             as month_start,
        coalesce(s.person_id, c.person_id)                 as person_id,
        coalesce(s.district_code, lk.district_code, '999999') as district_code,
        coalesce(s.gender_code, '9')                       as gender_code,
        coalesce(s.age_band_code, 'A9')                    as age_band_code,
        coalesce(s.hukou_type_code, '99')                  as hukou_type_code,
        s.insured_status_code,
        (s.person_id is not null)::int::smallint           as has_status_row,
        coalesce(s.is_insured, false)::int::smallint       as is_insured,
        (c.person_id is not null and coalesce(s.is_insured, false))::int::smallint as is_contributor,
        case when coalesce(s.is_insured, false) then coalesce(c.contribution_base, 0) else 0 end::numeric(14,2) as contribution_base,
        coalesce(c.contribution_income, 0)::numeric(14,2)  as contribution_income,
        coalesce(c.arrears_income, 0)::numeric(14,2)       as arrears_income
    from s
    full join c on c.month_start = s.month_start and c.person_id = s.person_id
    left join last_known lk on s.person_id is null and lk.month_start = c.month_start and lk.person_id = c.person_id
)
select
    j.month_start,
    (extract(year from j.month_start) * 100 + extract(month from j.month_start))::int as month_key,
    j.person_id, j.district_code, j.gender_code, j.age_band_code, j.hukou_type_code, j.insured_status_code,
    j.has_status_row, j.is_insured, j.is_contributor, j.contribution_base, j.contribution_income, j.arrears_income,
    b.source_batch_id
from joined j
join ({{ month_batch() }}) b on b.month_start = j.month_start
