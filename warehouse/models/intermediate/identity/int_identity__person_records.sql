-- Every source's latest record of each natural person (normalised ID number), with the attributes it holds: the
-- sources with a 按日 (T+1) state computed here, the monthly-only sources from int_identity__person_records_monthly
-- (not rebuilt by a daily refresh). The sources and their priorities: macros/identity_person_records.sql.
{{ config(meta={'person_sources': identity_person_sources() | map(attribute=1) | list}) }}
{{ identity_person_records(daily=true) }}
union all
select * from {{ ref('int_identity__person_records_monthly') }}
