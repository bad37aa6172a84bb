-- Internal control: the change-log rules A04 (increase > 20 %), A05 (off hours) and A06 (self-approved)
-- recomputed from the benefit change log flag exactly the changes the provider's suspicion list links
-- to. Returns each change flagged on one side only (month, rule, change id, which side).
with flagged as (
    select month_start, 'A04'::text as rule_code, change_id from {{ ref('fct_dmp_benefit_change') }} where is_large_increase = 1
    union all
    select month_start, 'A05', change_id from {{ ref('fct_dmp_benefit_change') }} where is_off_hours = 1
    union all
    select month_start, 'A06', change_id from {{ ref('fct_dmp_benefit_change') }} where is_self_approved = 1
),
listed as (
    select month_start, rule_code, related_change_id as change_id
    from {{ ref('fct_dmp_audit_suspect') }}
    where rule_code in ('A04', 'A05', 'A06')
)
select coalesce(f.month_start, l.month_start) as month_start,
       coalesce(f.rule_code, l.rule_code)     as rule_code,
       coalesce(f.change_id, l.change_id)     as change_id,
       case when l.change_id is null then 'flagged in change log, not in suspicion list'
            else 'in suspicion list, not flagged in change log' end as difference
from flagged f
full join listed l on l.month_start = f.month_start and l.rule_code = f.rule_code and l.change_id = f.change_id
where f.change_id is null or l.change_id is null
