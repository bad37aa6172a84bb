-- 北京市农业户籍专题库: the population rule (口径 v1) applied to everyone the police register ever listed, with
-- their social insurance, 低保/特困 and disability in the as-of month.
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are evaluated
-- again and merged (deleted, then inserted if still a candidate); a monthly build evaluates everyone.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}as_of as (select {{ topic_as_of() }} as as_of_month),
reg as (
    select distinct on (id_number) id_number, person_name, gender_code, birth_date, household_no, hukou_nature_code,
           district_code, month_start as last_register_month
    from {{ ref('stg_police__hukou_register') }}
    where true{{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}
    order by id_number, month_start desc
),
ent as (select distinct id_number from {{ ref('stg_pension__persons') }}
        where month_start = (select as_of_month from as_of) and insured_status_code in ('1', '2'){{ daily_changed_filter('id_number', since) }}),
res as (select distinct id_number from {{ ref('stg_residents_pension__enrolments') }}
        where month_start = (select as_of_month from as_of) and enrol_status_code in ('1', '2', '3'){{ daily_changed_filter('id_number', since) }}),
low as (select distinct id_number from {{ ref('stg_civil_affairs__low_income_persons') }}
        where month_start = (select as_of_month from as_of){{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}),
dis as (select distinct id_number from {{ ref('stg_disabled_persons__disabled_persons') }}
        where month_start = (select as_of_month from as_of){{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}),
dead as (select distinct id_number from {{ ref('stg_police__death_cancellations') }} where true{{ daily_changed_person_filter('id_number', 'id_number_raw', since) }})
select
    r.id_number, r.person_name, r.gender_code, r.birth_date,
    (extract(year from age(a.as_of_month, r.birth_date)))::int          as age,
    r.household_no, r.hukou_nature_code, hn.name                           as hukou_nature_name, r.district_code,
    ent.id_number is not null as in_enterprise_pension, res.id_number is not null as in_residents_pension,
    low.id_number is not null as is_low_income, dis.id_number is not null as is_disabled,
    r.last_register_month, a.as_of_month, now()::timestamp as evaluated_at,
    coalesce(r.last_register_month = a.as_of_month and hn.is_agricultural::boolean, false) as in_population,
    case when r.last_register_month = a.as_of_month and hn.is_agricultural::boolean
              then '农业户籍在册(' || hn.name || ')'
         when dead.id_number is not null then '死亡注销'
         when r.last_register_month < a.as_of_month then '户籍不再在册(迁出)'
         else '非农业户籍(' || hn.name || ')' end                            as reason
from reg r
cross join as_of a
left join {{ ref('code_hukou_nature') }} hn on hn.code = r.hukou_nature_code
left join ent using (id_number)
left join res using (id_number)
left join low using (id_number)
left join dis using (id_number)
left join dead using (id_number)
