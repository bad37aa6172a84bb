-- 人社电子画像专题库 (个人画像): the population rule (口径 v1) applied to every golden natural person, with one tag per
-- 人社 / external record held for the person in the as-of month (skills and training: the 12 months to it).
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are evaluated
-- again and merged (deleted, then inserted if still a candidate); a monthly build evaluates everyone.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
{%- set tags = [
    ('tag_beijing_hukou',      '本市户籍',         "select id_number from " ~ ref('stg_police__hukou_register') ~ " where month_start = (select as_of_month from as_of)" ~ daily_changed_raw_filter('id_number_raw', since)),
    ('tag_residence_permit',   '居住证',           "select id_number from " ~ ref('stg_police__residence_permits') ~ " where month_start = (select as_of_month from as_of)" ~ daily_changed_raw_filter('id_number_raw', since)),
    ('tag_employee_insured',   '职工养老参保',     "select id_number from " ~ ref('stg_pension__persons') ~ " where month_start = (select as_of_month from as_of) and insured_status_code in ('1', '2')
                                                   union select id_number from " ~ ref('stg_public_pension__persons') ~ " where month_start = (select as_of_month from as_of) and insured_status_code in ('1', '2')"),
    ('tag_residents_insured',  '城乡居民养老参保', "select id_number from " ~ ref('stg_residents_pension__enrolments') ~ " where month_start = (select as_of_month from as_of) and enrol_status_code in ('1', '3')"),
    ('tag_pensioner',          '领取养老金',       "select id_number from " ~ ref('stg_pension__retirees') ~ " where month_start = (select as_of_month from as_of)
                                                   union select id_number from " ~ ref('stg_public_pension__retirees') ~ " where month_start = (select as_of_month from as_of)
                                                   union select id_number from " ~ ref('stg_residents_pension__enrolments') ~ " where month_start = (select as_of_month from as_of) and enrol_status_code = '2'"),
    ('tag_registered_unemployed', '登记失业',      "select id_number from " ~ ref('stg_unemployed_registry__persons') ~ " where month_start = (select as_of_month from as_of) and reg_status_code = '1'"),
    ('tag_unemployment_benefit',  '领取失业保险金', "select id_number from " ~ ref('stg_unemployment__benefits') ~ " where month_start = (select as_of_month from as_of)"),
    ('tag_job_seeker',         '求职登记',         "select id_number from " ~ ref('stg_job_market__seekers') ~ " where month_start = (select as_of_month from as_of)"),
    ('tag_trained',            '近一年参加培训',   "select id_number from " ~ ref('stg_training__trainees') ~ " where month_start between (select from_month from as_of) and (select as_of_month from as_of)"),
    ('tag_skill_subsidy',      '近一年技能提升补贴', "select id_number from " ~ ref('stg_skill_subsidy__person_roster') ~ " where month_start between (select from_month from as_of) and (select as_of_month from as_of)" ~ daily_changed_raw_filter('id_number_raw', since)),
    ('tag_points_applicant',   '积分落户申报',     "select id_number from " ~ ref('stg_points_settlement__applicants') ~ " where month_start = (select as_of_month from as_of)" ~ daily_changed_raw_filter('id_number_raw', since)),
    ('tag_low_income',         '低保特困低收入',   "select id_number from " ~ ref('stg_civil_affairs__low_income_persons') ~ " where month_start = (select as_of_month from as_of)" ~ daily_changed_raw_filter('id_number_raw', since)),
    ('tag_disabled',           '持证残疾人',       "select id_number from " ~ ref('stg_disabled_persons__disabled_persons') ~ " where month_start = (select as_of_month from as_of)" ~ daily_changed_raw_filter('id_number_raw', since)),
] %}
{%- set names = [] %}{% for col, label, query in tags %}{% do names.append(col) %}{% endfor %}
{%- if names | join(',') != profile_tag_names() | trim %}
{{ exceptions.raise_compiler_error("topic_profile__status: its tags must be profile_tag_names() (macros/profile_tags.sql), in that order") }}
{%- endif %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}as_of as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
{%- for col, label, query in tags %}
{{ col }} as (select distinct id_number from ({{ query }}) q where true{{ daily_changed_filter('id_number', since) }}),
{%- endfor %}
tagged as (
    select n.id_number,
    {%- for col, label, query in tags %}
        {{ col }}.id_number is not null as {{ col }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from {{ ref('int_identity__natural_person') }} n
    {%- for col, label, query in tags %}
    left join {{ col }} using (id_number)
    {%- endfor %}
    where true{{ daily_changed_filter('n.id_number', since) }}
)
select
    n.id_number, n.person_key, n.person_name, n.gender_code, n.birth_date,
    (extract(year from age(a.as_of_month, n.birth_date)))::int as age,
    n.district_code, n.hukou_nature_code, coalesce(hn.is_agricultural::boolean, false) as is_agricultural_hukou,
    {%- for col, label, query in tags %}
    t.{{ col }},
    {%- endfor %}
    concat_ws(',' {%- for col, label, query in tags %}, case when t.{{ col }} then '{{ label }}' end{% endfor %}) as tags,
    ({%- for col, label, query in tags %}t.{{ col }}::int{% if not loop.last %} + {% endif %}{% endfor %}) as tag_count,
    n.source_count, n.source_list, n.death_date, a.as_of_month,
    now()::timestamp as evaluated_at,
    (n.death_date is null
     and ({%- for col, label, query in tags %}t.{{ col }}{% if not loop.last %} or {% endif %}{% endfor %})) as in_population,
    case when n.death_date is not null then '公安死亡注销'
         when t.tag_pensioner then '领取养老金'
         when t.tag_employee_insured then '职工养老参保'
         when t.tag_registered_unemployed or t.tag_unemployment_benefit then '登记失业或领取失业金'
         when t.tag_job_seeker then '求职登记'
         when t.tag_residents_insured then '城乡居民养老参保'
         when {%- for col, label, query in tags %} t.{{ col }}{% if not loop.last %} or{% endif %}{% endfor %}
              then '其他人社或委办局记录'
         else '口径月份无任何在册记录' end as reason
from {{ ref('int_identity__natural_person') }} n
cross join as_of a
join tagged t using (id_number)
left join {{ ref('code_hukou_nature') }} hn on hn.code = n.hukou_nature_code
where true{{ daily_changed_filter('n.id_number', since) }}
