{#- A look-up index an incremental model must have, as a post-hook: `create index if not exists`, so a table built
    before the index was declared gets it at its next incremental run (dbt's `indexes` config is applied only when
    the table is created: a full refresh would otherwise be needed). The name is derived from the relation and the
    columns, so the statement is idempotent. -#}
{% macro ensure_index(columns) -%}
    {%- set name = 'ix_' ~ local_md5(this.identifier ~ '|' ~ columns | join(','))[:10] ~ '_' ~ columns | join('_') -%}
    create index if not exists {{ adapter.quote(name[:63]) }} on {{ this }} ({{ columns | join(', ') }})
{%- endmacro %}
