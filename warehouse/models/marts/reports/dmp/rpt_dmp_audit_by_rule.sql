-- 稽核 / 内控监督 lists as counts: month × district × rule, every rule and district every month (zeros
-- included), split by check status.
with a as (
    select
        month_start, district_code, rule_code,
        count(*)                                           as suspects,
        sum(amount)                                        as amount,
        count(*) filter (where check_status_code = '1')    as pending,
        count(*) filter (where check_status_code = '2')    as confirmed,
        count(*) filter (where check_status_code = '3')    as excluded,
        sum(amount) filter (where check_status_code = '2') as confirmed_amount
    from {{ ref('fct_dmp_audit_suspect') }}
    group by 1, 2, 3
),
rules as (
    select code as rule_code, name as rule_name, module as rule_module from {{ ref('code_audit_rule') }}
    union all
    select distinct a.rule_code, '未知', '未知' from a
    where a.rule_code not in (select code from {{ ref('code_audit_rule') }})
)
select
    m.month_start, m.month_key, m.month_label,
    m.district_code, m.district_name, m.district_sort,
    r.rule_code, r.rule_name, r.rule_module,
    coalesce(a.suspects, 0)::bigint                 as suspects,
    coalesce(a.amount, 0)::numeric(18,2)            as amount,
    coalesce(a.pending, 0)::bigint                  as pending,
    coalesce(a.confirmed, 0)::bigint                as confirmed,
    coalesce(a.excluded, 0)::bigint                 as excluded,
    coalesce(a.confirmed_amount, 0)::numeric(18,2)  as confirmed_amount
from {{ ref('dim_month_district') }} m
cross join rules r
left join a on a.month_start = m.month_start and a.district_code = m.district_code and a.rule_code = r.rule_code
where not m.is_unknown_district
   or exists (select 1 from a a2 where a2.month_start = m.month_start and a2.district_code = m.district_code)
