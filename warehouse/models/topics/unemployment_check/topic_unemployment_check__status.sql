-- 失业查社保专题库: the population rule (口径 v1) applied to everyone with an unemployment-insurance record: insured
-- status in the as-of month, contributions, 失业保险金 and 农民工一次性生活补助 in the 12 months to the as-of month.
-- Raw is read only within those 12 months (declared in the YAML: reads_newest_months, pipeline/raw_retention.py);
-- the ID numbers of every month come from the month-incremental ODS table, so older raw months can be archived.
with as_of as (select {{ topic_as_of() }} as as_of_month),
win as (select as_of_month, (as_of_month - interval '11 months')::date as from_month from as_of),
ins as (
    select distinct on (id_number) id_number, person_name, person_id, unit_id, district_code, first_insured_date,
           insured_status_code, month_start as last_insured_month
    from {{ ref('stg_unemployment__insured_persons') }}, win
    where month_start between win.from_month and win.as_of_month
    order by id_number, month_start desc
),
ids as (select distinct person_id, id_number from {{ ref('int_unemployment__person_id_month') }}),
contrib as (
    select i.id_number, count(distinct c.fee_month_start) as contribution_months_12m, max(c.fee_month_start) as last_fee_month
    from {{ ref('stg_unemployment__contributions') }} c join ids i using (person_id), win
    where c.month_start between win.from_month and win.as_of_month
    group by i.id_number
),
benefit as (
    select id_number, max(person_name) as person_name, count(distinct month_start) as benefit_months_12m,
           sum(amount) as benefit_amount_12m
    from {{ ref('stg_unemployment__benefits') }}, win
    where month_start between win.from_month and win.as_of_month
    group by id_number
),
migrant as (
    select id_number, max(person_name) as person_name, sum(amount) as migrant_allowance_12m
    from {{ ref('stg_unemployment__migrant_allowances') }}, win
    where month_start between win.from_month and win.as_of_month
    group by id_number
),
people as (select id_number from ins union select id_number from benefit union select id_number from migrant)
select
    p.id_number,
    coalesce(ins.person_name, b.person_name, m.person_name)      as person_name,
    ins.person_id, ins.unit_id, ins.district_code, ins.first_insured_date,
    case when ins.last_insured_month = w.as_of_month then ins.insured_status_code end as insured_status_code,
    coalesce(c.contribution_months_12m, 0)                        as contribution_months_12m,
    c.last_fee_month,
    coalesce(b.benefit_months_12m, 0)                             as benefit_months_12m,
    coalesce(b.benefit_amount_12m, 0)                             as benefit_amount_12m,
    coalesce(m.migrant_allowance_12m, 0)                          as migrant_allowance_12m,
    w.as_of_month,
    now()::timestamp                                              as evaluated_at,
    coalesce((ins.last_insured_month = w.as_of_month and ins.insured_status_code in ('1', '2'))
             or b.id_number is not null or m.id_number is not null, false) as in_population,
    case when b.id_number is not null then '12个月内领取失业保险金'
         when m.id_number is not null then '12个月内领取农民工一次性生活补助'
         when ins.last_insured_month = w.as_of_month and ins.insured_status_code in ('1', '2') then '失业保险参保'
         else '失业保险已终止参保且12个月内无待遇' end              as reason
from people p
cross join win w
left join ins using (id_number)
left join contrib c using (id_number)
left join benefit b using (id_number)
left join migrant m using (id_number)
