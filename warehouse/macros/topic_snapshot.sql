{#- The topic libraries' membership snapshots after a daily load: compare only the members the days changed.

    A library's snapshot (check strategy on in_population and reason, hard deletes as new records) compares every
    member of its status table with the snapshot's current version (dbt's snapshot_staging_table: a full join of
    ~2 M rows with ~2 M, each hashed) to find the few hundred a day changes. After a daily load the status tables
    are merged for the changed persons / units only (macros/topic_incremental.sql): every other member's row is the
    one the previous refresh snapshotted, so its comparison finds nothing. A snapshot that declares
    `meta: {topic_changed_members: person | person_key | unit}` therefore compares only those members: the same
    staging query as dbt's, with the status rows and the snapshot's versions both restricted to the keys
    daily_changed_persons / daily_changed_units list since the last successful refresh (a superset of the keys the
    status tables merged, so every insertion, update and hard delete dbt would find is found; the versions written
    are dbt's own, with the same valid from / to).
    The whole comparison (dbt's) whenever daily_refresh_since() gives none (a monthly roll-up or a re-delivery since
    the last successful refresh, no refresh recorded) or with `--vars '{topic_snapshot_whole: true}'`. The
    integration test (tests/integration/test_topics.py) and `bench.topics_daily --verify` check that the current
    versions equal the status rows after a restricted comparison, as they do after dbt's whole one.
-#}
{% macro postgres__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {%- set keys = topic_snapshot_changed_keys() -%}
    {%- if keys is none -%}
        {{ return(dbt.default__snapshot_staging_table(strategy, source_sql, target_relation)) }}
    {%- endif -%}
    {%- set only = config.get('unique_key') ~ " in (select k.key from (" ~ keys ~ ") k (key))" -%}
    {%- set sql = dbt.default__snapshot_staging_table(
            strategy, "select * from (\n" ~ source_sql ~ "\n) topic_members where " ~ only, target_relation) -%}
    {#- dbt reads the snapshot's current versions in one place, `from <snapshot>` of its snapshotted_data CTE -#}
    {%- set current = "from " ~ target_relation -%}
    {%- if sql.count(current) != 1 -%}
        {{ exceptions.raise_compiler_error("topic snapshot " ~ target_relation ~ ": dbt's staging query reads the "
            ~ "snapshot " ~ sql.count(current) ~ " times, expected once (macros/topic_snapshot.sql)") }}
    {%- endif -%}
    {{ return(sql.replace(current, "from (select * from " ~ target_relation ~ " where " ~ only ~ ") topic_current")) }}
{%- endmacro %}

{#- The changed members' keys (one column) for the running snapshot, or none for the whole comparison. -#}
{% macro topic_snapshot_changed_keys() -%}
    {%- set kind = (config.get('meta') or {}).get('topic_changed_members') -%}
    {%- if not kind or var('topic_snapshot_whole', false) -%}{{ return(none) }}{%- endif -%}
    {%- set since = daily_refresh_since() -%}
    {%- if not since -%}{{ return(none) }}{%- endif -%}
    {%- if kind == 'person' -%}
        {{ return("select id_number from (" ~ daily_changed_persons(since) ~ ") c") }}
    {%- elif kind == 'person_key' -%}
        {{ return("select md5(id_number) from (" ~ daily_changed_persons(since) ~ ") c") }}
    {%- elif kind == 'unit' -%}
        {{ return("select credit_code from (" ~ daily_changed_units(since, ref('int_identity__unit_records')) ~ ") c") }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("topic_changed_members: person, person_key or unit, not " ~ kind) }}
{%- endmacro %}
