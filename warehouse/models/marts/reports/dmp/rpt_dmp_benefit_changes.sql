-- 待遇变更统计 (内控监督): month × district × insurance type × change type, with the internal-control
-- flags counted (only combinations that occur).
select
    c.month_start,
    c.month_key,
    c.district_code,
    c.insurance_type_code,
    c.change_type_code,
    coalesce(ct.name, '未知')                        as change_type_name,
    count(*)::bigint                                 as changes,
    sum(c.old_amount)::numeric(18,2)                 as old_amount,
    sum(c.new_amount)::numeric(18,2)                 as new_amount,
    sum(c.amount_change)::numeric(18,2)              as amount_change,
    sum(c.is_large_increase)::bigint                 as large_increases,
    sum(c.is_off_hours)::bigint                      as off_hours_changes,
    sum(c.is_self_approved)::bigint                  as self_approved_changes,
    count(distinct c.operator_id)::bigint            as operators
from {{ ref('fct_dmp_benefit_change') }} c
left join {{ ref('code_change_type') }} ct on ct.code = c.change_type_code
group by 1, 2, 3, 4, 5, 6
