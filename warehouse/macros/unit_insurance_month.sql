{#-
  topic_data_services__unit_insurance_month: the unit × insurance × month aggregate of
  topic_data_services__person_insurance_month, incremental as its source changes. The source's scope (pim_scope:
  months rebuilt B, back-paid months F, units re-attributed) is read against this table's own months, so a build
  that skipped the aggregate is caught up by the next one:
  - months of B: aggregated again from the source (delete, then insert);
  - months of F: their pension and unemployment rows (110, 210: the contributions changed in place) likewise;
  - the rows kept of the units whose newest register entry changed: the new credit code, in place.
  The changed rows carry the build's newest batch, so the data test against the source
  (tests/data_services/assert_unit_insurance_month_equals_person_insurance_month.sql) compares every month the build
  touched, whole, with the group-by of the source.
-#}

{#- The rows the build aggregates again, on the source's columns (prefix: 'p.' or ''). -#}
{% macro uim_months_condition(scope, prefix='') -%}
    {%- if scope['all'] -%}true
    {%- elif scope['months'] | length == 0 -%}false
    {%- else -%}
    ({{ in_month_list(prefix ~ 'month_start', scope['months']) }}
    {%- if scope['fee_months'] | length > 0 %} or ({{ in_month_list(prefix ~ 'month_start', scope['fee_months']) }}
        and {{ prefix }}insurance_type_code in ('110', '210')){% endif %})
    {%- endif -%}
{%- endmacro %}

{#- The newest load batch of the months rebuilt: what a back-paid or re-attributed month's rows carry. -#}
{% macro uim_newest_batch(scope) -%}
    select max(source_batch_id) from {{ ref('topic_data_services__person_insurance_month') }}
    where {{ in_month_list('month_start', scope['months']) }}
{%- endmacro %}

{#- Pre-hook: delete the rows aggregated again; give the rows kept of the re-attributed units their credit code. -#}
{% macro unit_insurance_month_prepare() -%}
    {%- if not execute or not is_incremental() -%}select 1{%- else -%}
    {%- set scope = pim_scope() -%}
    delete from {{ this }} where {{ uim_months_condition(scope) }};
    {%- if scope['months'] | length > 0 %}
    update {{ this }} as t
    set credit_code = c.credit_code, source_batch_id = greatest(t.source_batch_id, ({{ uim_newest_batch(scope) }}))
    from ({{ pim_changed_units(scope) }}) as c
    where t.unit_id = c.unit_id and t.credit_code is distinct from c.credit_code
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
