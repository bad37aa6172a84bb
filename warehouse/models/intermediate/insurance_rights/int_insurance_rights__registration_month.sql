-- 北京市社保权益查询专题库的月度部件: per registration month, insurance and ID number, the register row the topic's
-- rule would pick within that month (retirees' status 4 before the others). topic_insurance_rights__status takes
-- the newest of these over its 12-month window instead of reading 12 months of every register from raw.
-- Incremental by month (macros/incremental_months.sql): a month is rebuilt when one of the seven registers has a
-- newer load batch for it (a new month, a late file, a re-delivery); the other months keep their rows.
{{ config(materialized='incremental', unique_key='month_start', incremental_strategy='delete+insert',
          indexes=month_batch_index()) }}
{%- set registers = [
    ('110', '企业职工养老保险', 'stg_pension__persons',           "insured_status_code", "first_insured_date"),
    ('110', '企业职工养老保险', 'stg_pension__retirees',          "'4'",                 "null::date"),
    ('120', '机关事业养老保险', 'stg_public_pension__persons',    "insured_status_code", "first_insured_date"),
    ('120', '机关事业养老保险', 'stg_public_pension__retirees',   "'4'",                 "null::date"),
    ('170', '城乡居民养老保险', 'stg_residents_pension__enrolments', "enrol_status_code", "enrol_date"),
    ('210', '失业保险',        'stg_unemployment__insured_persons', "insured_status_code", "first_insured_date"),
    ('510', '生育保险',        'stg_maternity__insured_persons',  "insured_status_code", "first_insured_date"),
] %}
{%- set months = in_months_to_build('data_month') %}
select distinct on (u.month_start, u.insurance_type_code, u.id_number)
    u.month_start, u.insurance_type_code, u.insurance_type_name, u.id_number, u.person_name, u.person_id,
    u.status_code, u.first_insured_date, b.source_batch_id
from (
{%- for code, name, model, status, first in registers %}
    select '{{ code }}'::text as insurance_type_code, '{{ name }}'::text as insurance_type_name, r.id_number,
           r.person_name::text as person_name, r.person_id, r.month_start, {{ status }}::text as status_code,
           {{ first }} as first_insured_date
    from {{ ref(model) }} r where {{ months }}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
) u
join ({{ month_batch() }}) b using (month_start)
order by u.month_start, u.insurance_type_code, u.id_number, u.status_code desc, u.person_id  -- person_id: one choice among an ID's registrations of the same month and status (build to build)
