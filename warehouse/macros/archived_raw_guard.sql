{#- Run before every dbt command (on-run-start). Raw retention (pipeline/raw_retention.py) archives and detaches old
    months of the interfaces only month-incremental models read; two kinds of run would read such a month again and,
    finding it gone, build without it — no error, fewer rows:
    - a full refresh (`--full-refresh`) rebuilds every incremental model from raw;
    - a topic refresh as of an earlier month (`--vars '{topic_as_of: YYYY-MM-01}'`): a model that declares
      `meta: {reads_newest_months: {stg_x: N}}` reads the N months of stg_x's interfaces that end at the as-of month.
    Either stops here naming the months to restore (`make raw-restore MONTH=…`). pipeline/build.py refuses a full
    refresh before dbt starts; this guard holds for dbt run by hand too. A month counts as archived while
    audit.raw_archive has it unrestored and raw has no partition of it with rows (a month delivered again is back; an
    empty partition, as a restore that failed half-way leaves it, is not), as raw_retention.archived() counts. -#}
{% macro guard_archived_raw(as_of=none, full_refresh=none) -%}
    {%- set as_of = as_of or var('topic_as_of', none) -%}
    {%- set full_refresh = flags.FULL_REFRESH if full_refresh is none else full_refresh -%}
    {#- the as-of month is written into SQL here and in topic_as_of(): nothing but a first of a month passes -#}
    {%- if as_of and not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])-01', as_of | string) -%}
        {{ exceptions.raise_compiler_error("topic_as_of 应为某月 1 日, 格式 YYYY-MM-01 (如 2024-07-01), 收到: "
                                           ~ (as_of | string)[:40]) }}
    {%- endif -%}
    {%- if execute -%}
        {%- set open = run_query("select to_regclass('audit.raw_archive') is not null").columns[0].values()[0] -%}
        {%- if open -%}
            {%- set archived_sql -%}
                select distinct a.interface, a.data_month from audit.raw_archive a
                where a.restored_at is null
                  and coalesce(pg_relation_size(to_regclass(format('raw.%I', a.interface || '__' || a.data_month))), 0) = 0
            {%- endset -%}
            {%- if full_refresh -%}
                {%- set away = run_query(archived_sql ~ " order by 2, 1") -%}
                {%- if away.rows | length > 0 -%}
                    {{ exceptions.raise_compiler_error(
                        "拒绝全量重建: 原始层有 " ~ (away.rows | length) ~ " 个接口月份已归档 ("
                        ~ (away.columns[1].values() | unique | join(', '))
                        ~ "), 全量重建会使这些月份从明细层消失。先逐月恢复: make raw-restore MONTH=<YYYYMM>") }}
                {%- endif -%}
            {%- endif -%}
            {%- if as_of -%}
                {%- set needed = archived_raw_window_reads() -%}
                {%- if needed | length > 0 -%}
                    {%- set away = run_query("with needed(interface, months) as (values "
                        ~ (needed | join(', ')) ~ ") select a.interface, a.data_month from (" ~ archived_sql
                        ~ ") a join needed n on n.interface = a.interface where a.data_month > to_char(date '" ~ as_of
                        ~ "' - make_interval(months => n.months), 'YYYYMM') and a.data_month <= to_char(date '"
                        ~ as_of ~ "', 'YYYYMM') order by 2, 1") -%}
                    {%- if away.rows | length > 0 -%}
                        {%- set listed = [] -%}
                        {%- for r in away.rows -%}{%- do listed.append(r[0] ~ ' ' ~ r[1]) -%}{%- endfor -%}
                        {{ exceptions.raise_compiler_error(
                            "专题库截至 " ~ as_of ~ " 要读的原始月份已归档: " ~ (listed | join(', '))
                            ~ "。先恢复这些月份: make raw-restore MONTH=<YYYYMM>") }}
                    {%- endif -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- The same check on its own, with its inputs as arguments (no reparse of the project between calls):
    dbt run-operation check_archived_raw --args '{as_of: "2024-07-01"}' -#}
{% macro check_archived_raw(as_of=none, full_refresh=false) -%}
    {%- do guard_archived_raw(as_of, full_refresh) -%}
    {{- log("原始层归档检查通过", info=true) -}}
{%- endmacro %}

{#- ('<interface>', N) for every raw interface a model reads through a staging view it declares in
    meta.reads_newest_months (the widest N when several do). -#}
{% macro archived_raw_window_reads() -%}
    {%- set widest = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- set window = (node.config.get('meta') or {}).get('reads_newest_months')
                          or (node.get('meta') or {}).get('reads_newest_months') or {} -%}
        {%- for view, months in window.items() -%}
            {%- set staged = graph.nodes.get('model.' ~ project_name ~ '.' ~ view) -%}
            {%- for uid in (staged.depends_on.nodes if staged else []) if uid.startswith('source.') -%}
                {%- set interface = graph.sources[uid].identifier -%}
                {%- do widest.update({interface: [widest.get(interface, 0), months | int] | max}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set out = [] -%}
    {%- for interface, months in widest.items() -%}{%- do out.append("('" ~ interface ~ "', " ~ months ~ ")") -%}{%- endfor -%}
    {{- return(out) -}}
{%- endmacro %}
