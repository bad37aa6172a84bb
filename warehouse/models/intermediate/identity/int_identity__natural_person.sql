-- Golden record (一人一档) per natural person: the normalised ID number; name from the most authoritative source
-- (police register > residence permit > death register > social insurance > other agencies, then the latest);
-- gender and birth date from the ID number itself; hukou from the police register; death from the death register.
-- indexed for 名单比对 (listmatch/): the identifiers and birth dates of a list are looked up chunk by chunk
-- Incremental (macros/topic_incremental.sql): after a daily load only the persons the days changed are deleted and
-- computed again (a person no source holds any more leaves); a monthly build recomputes every person.
{{ config(meta={'daily_merged': true}, indexes=[{'columns': ['id_number']}, {'columns': ['birth_date']}],
          materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete('id_number') }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_persons as materialized ({{ daily_changed_persons(since) }}),
{% endif %}ranked as (
    select *, row_number() over (partition by id_number order by priority, last_month desc, source_interface) as rn
    from {{ ref('int_identity__person_records') }}
    where true{{ daily_changed_filter('id_number', since) }}
),
sources as (
    select id_number,
           string_agg(source_interface, ',' order by priority, source_interface) as source_list,
           count(*)                                                             as source_count
    from {{ ref('int_identity__person_records') }}
    where true{{ daily_changed_filter('id_number', since) }}
    group by id_number
),
hukou as (
    select distinct on (id_number) id_number, hukou_nature_code, household_no, district_code as hukou_district_code,
           month_start as hukou_month
    from {{ ref('stg_police__hukou_register') }}
    where true{{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}
    order by id_number, month_start desc
),
permit as (
    select distinct on (id_number) id_number, district_code as permit_district_code, valid_to as permit_valid_to
    from {{ ref('stg_police__residence_permits') }}
    where true{{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}
    order by id_number, month_start desc
),
death as (
    select id_number, min(death_date) as death_date
    from {{ ref('stg_police__death_cancellations') }}
    where true{{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}
    group by id_number
),
cremation as (
    select id_number, min(cremation_date) as cremation_date
    from {{ ref('stg_civil_affairs__cremations') }}
    where true{{ daily_changed_person_filter('id_number', 'id_number_raw', since) }}
    group by id_number
)
select
    r.id_number,
    md5(r.id_number)                                     as person_key,
    r.person_name,
    coalesce(r.id_gender_code, r.gender_code)            as gender_code,
    coalesce(r.id_birth_date, r.birth_date)              as birth_date,
    r.id_is_valid,
    h.hukou_nature_code,
    h.household_no,
    coalesce(h.hukou_district_code, p.permit_district_code) as district_code,
    h.id_number is not null                              as is_beijing_hukou,
    h.hukou_month,
    p.permit_valid_to,
    d.death_date,
    c.cremation_date,
    s.source_list,
    s.source_count::int                                  as source_count
from ranked r
join sources s using (id_number)
left join hukou h using (id_number)
left join permit p using (id_number)
left join death d using (id_number)
left join cremation c using (id_number)
where r.rn = 1
