-- 保居民就业专题库 (人员就业监测): the population rule (口径 v1) applied to everyone the police hukou register lists in the
-- as-of month — working age (16 to the statutory retirement month under the gradual-delay rules, women on the
-- 55 base) and alive — and their employment status in that month from the insurances and the unemployment register.
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are evaluated
-- again and merged (deleted, then inserted if still a candidate); a monthly build evaluates everyone.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}as_of as (select {{ topic_as_of() }} as as_of_month),
reg as (
    select distinct on (id_number) id_number, person_name, gender_code, birth_date, hukou_nature_code, district_code
    from {{ ref('stg_police__hukou_register') }}
    where month_start = (select as_of_month from as_of){{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}
    order by id_number, register_date desc nulls last
),
ent as (select distinct on (p.id_number) p.id_number, u.credit_code, u.district_code as unit_district_code
        from {{ ref('stg_pension__persons') }} p
        left join (select distinct on (unit_id) unit_id, credit_code, district_code from {{ ref('stg_pension__units') }}
                   order by unit_id, month_start desc) u using (unit_id)
        where p.month_start = (select as_of_month from as_of) and p.insured_status_code = '1'{{ daily_changed_filter('p.id_number', since) }}
        order by p.id_number, p.person_id),
pub as (select distinct id_number from {{ ref('stg_public_pension__persons') }}
        where month_start = (select as_of_month from as_of) and insured_status_code = '1'{{ daily_changed_filter('id_number', since) }}),
unemp as (select distinct id_number from {{ ref('stg_unemployed_registry__persons') }}
          where month_start = (select as_of_month from as_of) and reg_status_code = '1'{{ daily_changed_filter('id_number', since) }}),
pens as (select id_number from {{ ref('stg_pension__retirees') }} where month_start = (select as_of_month from as_of){{ daily_changed_filter('id_number', since) }}
         union select id_number from {{ ref('stg_public_pension__retirees') }} where month_start = (select as_of_month from as_of){{ daily_changed_filter('id_number', since) }}),
dead as (select distinct id_number from {{ ref('stg_police__death_cancellations') }}
         where month_start <= (select as_of_month from as_of){{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}),
r as (
    select reg.*, a.as_of_month,
           (extract(year from age(a.as_of_month, reg.birth_date)))::int as age,
           {{ statutory_retirement_month('reg.birth_date', 'reg.gender_code', '55') }} as retirement_month
    from reg cross join as_of a
    cross join {{ retirement_old_month('reg.birth_date', 'reg.gender_code', '55') }}
)
select
    r.id_number, r.person_name, r.gender_code, r.birth_date, r.age, r.hukou_nature_code, r.district_code,
    r.retirement_month, ent.credit_code as unit_credit_code, ent.unit_district_code,
    case when ent.id_number is not null then '1' when pub.id_number is not null then '2'
         when unemp.id_number is not null then '3' else '9' end                      as employment_status_code,
    case when ent.id_number is not null then '企业就业(职工养老正常缴费)'
         when pub.id_number is not null then '机关事业单位就业'
         when unemp.id_number is not null then '登记失业'
         else '未见就业或失业登记' end                                                 as employment_status,
    r.as_of_month, now()::timestamp as evaluated_at,
    (dead.id_number is null and pens.id_number is null and r.age >= 16 and r.retirement_month > r.as_of_month)
                                                                                      as in_population,
    case when dead.id_number is not null then '公安死亡注销'
         when pens.id_number is not null then '已领取养老金'
         when r.age < 16 then '未满16周岁'
         when r.retirement_month <= r.as_of_month then '已到达法定退休年龄'
         when ent.id_number is not null then '劳动年龄本市户籍-企业就业'
         when pub.id_number is not null then '劳动年龄本市户籍-机关事业单位就业'
         when unemp.id_number is not null then '劳动年龄本市户籍-登记失业'
         else '劳动年龄本市户籍-未见就业或失业登记' end                                  as reason
from r
left join ent using (id_number)
left join pub using (id_number)
left join unemp using (id_number)
left join pens using (id_number)
left join dead using (id_number)
