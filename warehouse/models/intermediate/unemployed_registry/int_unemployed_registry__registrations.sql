-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 登记失业人员名册清洗: one row per registration and month (the register as of the 25th).
-- Duplicated registration numbers within a month keep the row of the newest load batch.
with deduped as (
    select distinct on (month_start, reg_id) *
    from {{ ref('stg_unemployed_registry__persons') }}
    order by month_start, reg_id, batch_id desc
),
statuses as (
    -- the seed's code column is loaded as integer: compare as text
    select code::text as code, is_registered from {{ ref('code_unemployment_status') }}
)
select
    d.month_start,
    d.reg_id,
    d.person_id,
    {{ person_month_attributes('d') }},
    {{ known_code('d.hukou_type_code', 'code_hukou_type', 'ZZ') }}         as hukou_type_code,
    case when exists (select 1 from {{ ref('code_education_level') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.education_code)
         then d.education_code else 'ZZ' end     as education_code,
    case when exists (select 1 from {{ ref('code_unemployment_reason') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.unemployment_reason_code)
         then d.unemployment_reason_code else 'ZZ' end as unemployment_reason_code,
    case when exists (select 1 from {{ ref('code_unemployment_status') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.reg_status_code)
         then d.reg_status_code else 'Z' end as reg_status_code,
    d.reg_date,
    d.end_date,
    coalesce(s.is_registered, false)                                       as is_registered,
    (date_trunc('month', d.reg_date) = d.month_start)                      as is_new_registration,
    (d.reg_status_code = '2')                                              as is_to_employment,
    (d.reg_status_code = '3')                                              as is_cancelled,
    (coalesce(s.is_registered, false) and d.benefit_flag = '1')            as is_benefit_receiver,
    (coalesce(s.is_registered, false) and d.hard_to_employ_flag = '1')     as is_hard_to_employ,
    (d.last_unit_credit_code is not null)                                  as has_last_unit,
    ((extract(year from d.month_start) - extract(year from d.reg_date)) * 12
      + extract(month from d.month_start) - extract(month from d.reg_date))::int as registered_months,
    d.batch_id
from deduped d
left join statuses s on s.code = d.reg_status_code
