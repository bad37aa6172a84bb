-- G07 企业与机关事业养老重复参保缴费: the same person (ID number) has contributions for the same fee month in both the
-- enterprise and the public-institution pension (ID numbers from each system's registration of the same data month).
-- Both sides from their month-incremental ODS tables, so the raw months can be archived.
with ent as (
    select distinct i.id_number, c.fee_month_start, c.month_start
    from {{ ref('int_pension__contribution_fee_month') }} c
    join (select distinct month_start, person_id, id_number from {{ ref('int_pension__person_registration_month') }}) i
      using (month_start, person_id)
),
pub as (
    select distinct i.id_number, c.fee_month_start
    from {{ ref('int_public_pension__contribution_fee_month') }} c
    join (select distinct month_start, person_id, id_number from {{ ref('int_public_pension__person_registration_month') }}) i
      using (month_start, person_id)
)
select
    'G07'::text                       as rule_id,
    'ent_pension_contribution'::text  as interface,
    e.month_start                     as data_month,
    e.id_number                       as record_key,
    'public_pension_contribution'::text  as counterpart,
    min(e.fee_month_start)            as first_violation_month,
    max(e.month_start)                as last_violation_month,
    '费款所属期' || string_agg(distinct to_char(e.fee_month_start, 'YYYYMM'), ',') || '在企业和机关事业养老保险同时缴费' as detail
from ent e join pub p on p.id_number = e.id_number and p.fee_month_start = e.fee_month_start
group by e.month_start, e.id_number
