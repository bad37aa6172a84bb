{#- A look-up index an incremental model must have, as a post-hook: created when the relation has no index of that
    name, so a table built before the index was declared gets it at its next incremental run (dbt's `indexes` config
    is applied only when the table is created: a full refresh would otherwise be needed). The name is derived from
    the relation and the columns, so the statement is idempotent.
    Not `create index if not exists`: index names are unique per schema, and on a full refresh dbt runs the hooks
    while the table replaced still exists (renamed …__dbt_backup, dropped after the commit) holding the index of that
    name — the statement did nothing and the new table was left without its look-up. An index of that name on
    another relation (only the backup can have it: the name carries this relation's identifier) is dropped first. -#}
{% macro ensure_index(columns) -%}
    {%- set name = ('ix_' ~ local_md5(this.identifier ~ '|' ~ columns | join(','))[:10] ~ '_' ~ columns | join('_'))[:63] -%}
    do $ensure_index$ begin
        if not exists (select 1 from pg_index i join pg_class c on c.oid = i.indexrelid
                       where i.indrelid = '{{ this }}'::regclass and c.relname = '{{ name }}') then
            drop index if exists {{ adapter.quote(this.schema) }}.{{ adapter.quote(name) }};
            create index {{ adapter.quote(name) }} on {{ this }} ({{ columns | join(', ') }});
        end if;
    end $ensure_index$
{%- endmacro %}
