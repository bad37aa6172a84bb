-- 人社电子画像专题库 单位画像 (口径 v1): every unit of the 经信局 legal-person register that is 存续 in the as-of month
-- or has enterprise-pension contributors in it, with its tags (参保缴费, 招聘, 技能提升补贴申请, 免审即享资格,
-- 经营异常 / 严重违法失信). Built with the library; its membership history is the person side's (see the exposure).
-- Incremental (macros/topic_incremental.sql): after a daily load only the units whose 法人库 / 市场监管 / 积分落户 records the
-- days changed are tagged again and merged (deleted, then inserted if still a member; the other tags' sources are
-- monthly only); a monthly build tags every unit.
{{ config(meta={'daily_merged': true}, contract={'enforced': true}, materialized='incremental',
          incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete_units(ref('int_identity__unit_records')) }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_units as materialized ({{ daily_changed_units(since, ref('int_identity__unit_records')) }}),
{% endif %}as_of as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
units as (select distinct unit_id, credit_code from {{ ref('stg_pension__units') }}),
contrib as (
    select u.credit_code, count(distinct c.person_id) as contributors
    from {{ ref('stg_pension__contributions') }} c
    join units u using (unit_id)
    where c.month_start = (select as_of_month from as_of){{ daily_changed_units_filter('u.credit_code', since) }}
    group by u.credit_code
),
vac as (
    select credit_code, count(*) as vacancies, sum(posts) as posts
    from {{ ref('stg_job_market__vacancies') }} where month_start = (select as_of_month from as_of)
          {{- daily_changed_units_filter('credit_code', since) }}
    group by credit_code
),
skill as (
    select credit_code, sum(apply_amount) as apply_amount
    from {{ ref('stg_skill_subsidy__unit_applications') }}
    where month_start between (select from_month from as_of) and (select as_of_month from as_of)
          {{- daily_changed_units_filter('credit_code', since) }}
    group by credit_code
),
refund as (select credit_code, in_population as refund_eligible from {{ ref('topic_unemployment_refund__status') }}
           where true{{ daily_changed_units_filter('credit_code', since) }}),
lib as (select credit_code, on_abnormal_list, on_serious_violation_list from {{ ref('topic_legal_person__status') }}
        where true{{ daily_changed_units_filter('credit_code', since) }})
select
    l.credit_code::text, l.unit_name::text, l.legal_form_code::text, l.district_code::text, l.industry_section::text,
    l.unit_status_code::text,
    coalesce(c.contributors, 0)::int                                  as pension_contributors,
    coalesce(v.vacancies, 0)::int                                     as vacancies,
    coalesce(v.posts, 0)::int                                         as vacancy_posts,
    coalesce(s.apply_amount, 0)::numeric(16,2)                        as skill_subsidy_applied_12m,
    coalesce(r.refund_eligible, false)::boolean                       as refund_eligible,
    coalesce(lb.on_abnormal_list, false)::boolean                     as on_abnormal_list,
    coalesce(lb.on_serious_violation_list, false)::boolean            as on_serious_violation_list,
    concat_ws(',', case when c.contributors > 0 then '参保缴费' end, case when v.vacancies > 0 then '招聘中' end,
              case when s.apply_amount > 0 then '技能提升补贴申请' end, case when r.refund_eligible then '免审即享资格' end,
              case when lb.on_abnormal_list then '经营异常' end,
              case when lb.on_serious_violation_list then '严重违法失信' end)::text as tags,
    a.as_of_month::date,
    now()::timestamp                                                  as refreshed_at
from {{ ref('int_identity__legal_unit') }} l
cross join as_of a
left join contrib c using (credit_code)
left join vac v using (credit_code)
left join skill s using (credit_code)
left join refund r using (credit_code)
left join lib lb using (credit_code)
where ((l.in_legal_register and l.unit_status_code = '1') or c.contributors > 0)
      {{- daily_changed_units_filter('l.credit_code', since) }}
