-- Benefit change log with the internal-control flags (内控监督) derived from the entry itself:
-- large increase (adjustment / recalculation raising the monthly amount by more than 20 %),
-- handled outside working hours (weekend, or outside 08:30–17:30) and self-approved.
select
    c.month_start,
    c.change_id,
    c.person_id,
    {{ known_code('c.insurance_type_code', 'code_insurance_type', '999') }} as insurance_type_code,
    {{ current_district('c.district_code') }}                            as district_code,
    c.district_code                                                      as source_district_code,
    {{ known_code('c.change_type_code', 'code_change_type') }}           as change_type_code,
    c.change_reason,
    c.old_amount,
    c.new_amount,
    c.new_amount - c.old_amount                                          as amount_change,
    c.operator_id,
    c.approver_id,
    c.change_date,
    c.change_time,
    (c.change_type_code in ('03', '04') and c.new_amount > c.old_amount * 1.2)    as is_large_increase,
    (extract(isodow from c.change_date) in (6, 7)
        or c.change_time is null
        or c.change_time < time '08:30' or c.change_time >= time '17:30')         as is_off_hours,
    (c.operator_id = c.approver_id)                                              as is_self_approved
from (
    select distinct on (month_start, change_id) *
    from {{ ref('stg_dmp__benefit_changes') }}
    order by month_start, change_id, batch_id desc
) c
