-- 城乡居民养老 flows per month × district: new enrolees, new beneficiaries (reaching 60), transfers to the
-- employee pension, deaths, suspensions; net change of the insured against the previous month
-- (null when the previous month is not in the warehouse).
with f as (
    select
        month_start, district_code,
        sum(is_new_enrolee)                                  as new_enrolees,
        sum(is_new_beneficiary)                              as new_beneficiaries,
        count(*) filter (where enrol_status_code = '4')      as transfers_out,
        count(*) filter (where enrol_status_code = '5')      as deaths,
        sum(is_insured)                                      as insured
    from {{ ref('fct_residents_pension_person_month') }}
    group by 1, 2
),
loaded as (select distinct month_start from f)
select
    m.month_start,
    m.month_key,
    m.district_code,
    m.district_name,
    coalesce(f.new_enrolees, 0)::bigint         as new_enrolees,
    coalesce(f.new_beneficiaries, 0)::bigint    as new_beneficiaries,
    coalesce(f.transfers_out, 0)::bigint        as transfers_out,
    coalesce(f.deaths, 0)::bigint               as deaths,
    case when pl.month_start is not null
         then coalesce(f.insured, 0) - coalesce(pf.insured, 0) end::bigint as insured_net_change
from {{ ref('dim_month_district') }} m
left join f on f.month_start = m.month_start and f.district_code = m.district_code
left join loaded pl on pl.month_start = (m.month_start - interval '1 month')::date
left join f pf on pf.month_start = pl.month_start and pf.district_code = m.district_code
where not m.is_unknown_district or f.district_code is not null or pf.district_code is not null
