-- Where a source disagrees with the golden record on name, gender or birth date: one row per person, attribute
-- and source (the source's latest record). Gender and birth date are judged against the ID number.
-- Incremental (macros/topic_incremental.sql): a person's rows depend on that person's records and golden record
-- only, which a daily refresh changes for the persons the days changed and no other; so after a daily load only
-- those persons' rows are deleted and computed again; a monthly build computes every row.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          indexes=[{'columns': ['id_number']}],
          pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}r as (
    select * from {{ ref('int_identity__person_records') }}
    where true{{ daily_changed_filter('id_number', since) }}
),
g as (
    select id_number, person_name, gender_code, birth_date from {{ ref('int_identity__natural_person') }}
    where true{{ daily_changed_filter('id_number', since) }}
)
select r.id_number, 'person_name'::text as attribute, '姓名'::text as attribute_label, r.source_interface, r.provider,
       r.person_name as source_value, g.person_name as golden_value, r.last_month
from r join g using (id_number)
where r.person_name is distinct from g.person_name
union all
select r.id_number, 'gender', '性别', r.source_interface, r.provider, r.gender_code as source_value,
       g.gender_code as golden_value, r.last_month
from r join g using (id_number)
where r.gender_code is not null and r.gender_code is distinct from g.gender_code
union all
select r.id_number, 'birth_date', '出生日期', r.source_interface, r.provider, r.birth_date::text as source_value,
       g.birth_date::text as golden_value, r.last_month
from r join g using (id_number)
where r.birth_date is not null and r.birth_date is distinct from g.birth_date
