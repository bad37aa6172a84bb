-- 失业保险金领取人员按月: one row per month and person, district mapped, 新增领取 = 本次为第1个月.
-- Incremental by month: only months with a newer load batch are rebuilt (macros/incremental_months.sql).
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}

with deduped as (
    select distinct on (month_start, person_id) *
    from {{ ref('stg_unemployment__benefits') }}
    where {{ in_months_to_build('data_month') }}
    order by month_start, person_id, batch_id desc
)
select
    d.month_start,
    d.person_id,
    {{ current_district('d.district_code') }}              as district_code,
    d.district_code                                        as source_district_code,
    {{ known_code('d.gender_code', 'code_gender', '9') }}  as gender_code,
    d.claim_date,
    d.contribution_years,
    d.entitled_months,
    d.month_no,
    greatest(d.entitled_months - d.month_no, 0)            as remaining_months,
    (d.month_no = 1)                                       as is_new_claimant,
    d.amount                                               as benefit_paid,
    b.source_batch_id
from deduped d
join ({{ month_batch() }}) b using (month_start)
