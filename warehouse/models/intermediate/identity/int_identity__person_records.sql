-- Every source's latest record of each natural person (normalised ID number), with the attributes it holds: the
-- sources with a 按日 (T+1) state computed here, the monthly-only sources from int_identity__person_records_monthly
-- (not rebuilt by a daily refresh). The sources and their priorities: macros/identity_person_records.sql.
-- Incremental (macros/topic_incremental.sql): after a daily load only the daily sources' records of the persons the
-- days changed are deleted and computed again (found through the index on id_number); a monthly build recomputes
-- every record.
{%- set daily_ifaces = identity_person_sources() | selectattr(0, 'equalto', true) | map(attribute=1) | list %}
{{ config(meta={'person_sources': identity_person_sources() | map(attribute=1) | list, 'daily_merged': true},
          materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          indexes=[{'columns': ['id_number']}],
          pre_hook="{{ daily_incremental_delete('id_number', \"source_interface in ('"
                   ~ daily_ifaces | join("', '") ~ "')\") }}") }}
{%- set since = daily_incremental_since() %}
{{ identity_person_records(daily=true, since=since) }}
{%- if not since %}
union all
select * from {{ ref('int_identity__person_records_monthly') }}
{%- endif %}
