-- 参保关系统计 (公务查询 / 统计): month × district × insurance type, every district every month for each
-- scheme (zeros included): valid relations, active, retired, new and ended relations, and new
-- retirements against the previous month (null when the previous month is not in the warehouse).
with r as (
    select
        month_start, district_code, insurance_type_code,
        sum(is_insured)         as relations_insured,
        sum(is_active)          as relations_active,
        sum(is_retired)         as relations_retired,
        sum(is_ended)           as relations_ended,
        sum(is_new_relation)    as relations_new
    from {{ ref('fct_dmp_person_relation_month') }}
    group by 1, 2, 3
),
retire_flow as (
    select cur.month_start, cur.district_code, cur.insurance_type_code, count(*) as new_retirements
    from {{ ref('fct_dmp_person_relation_month') }} cur
    join {{ ref('fct_dmp_person_relation_month') }} prev
      on prev.person_id = cur.person_id and prev.insurance_type_code = cur.insurance_type_code
     and prev.month_start = (cur.month_start - interval '1 month')::date
    where cur.is_retired = 1 and prev.is_retired = 0
    group by 1, 2, 3
),
loaded as (select distinct month_start from {{ ref('fct_dmp_person_relation_month') }}),
types as (select distinct insurance_type_code from {{ ref('fct_dmp_person_relation_month') }})
select
    m.month_start, m.month_key, m.month_label,
    m.district_code, m.district_name, m.district_sort,
    t.insurance_type_code,
    coalesce(it.name, '未知')                     as insurance_type_name,
    coalesce(r.relations_insured, 0)::bigint      as relations_insured,
    coalesce(r.relations_active, 0)::bigint       as relations_active,
    coalesce(r.relations_retired, 0)::bigint      as relations_retired,
    coalesce(r.relations_ended, 0)::bigint        as relations_ended,
    coalesce(r.relations_new, 0)::bigint          as relations_new,
    case when pl.month_start is not null then coalesce(f.new_retirements, 0) end::bigint as new_retirements,
    round(coalesce(r.relations_active, 0)::numeric / nullif(r.relations_retired, 0), 4)::numeric(10,4)
                                                  as dependency_ratio
from {{ ref('dim_month_district') }} m
cross join types t
left join {{ ref('code_insurance_type') }} it on it.code = t.insurance_type_code
left join r on r.month_start = m.month_start and r.district_code = m.district_code
           and r.insurance_type_code = t.insurance_type_code
left join retire_flow f on f.month_start = m.month_start and f.district_code = m.district_code
                       and f.insurance_type_code = t.insurance_type_code
left join loaded pl on pl.month_start = (m.month_start - interval '1 month')::date
where not m.is_unknown_district
   or exists (select 1 from r r2 where r2.month_start = m.month_start and r2.district_code = m.district_code)
