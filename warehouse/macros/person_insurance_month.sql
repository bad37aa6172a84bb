{#-
  topic_data_services__person_insurance_month, month-incremental (the rule; the model's header summarises it).

  A row is one person × insurance × registration month M: the month's register row (five registers of month M),
  what was contributed for fee month M (every contribution row with 费款所属期 M, from any delivery month: back pay
  arrives later), and the unit's newest register entry (credit code, name) over every month delivered.

  Months rebuilt (delete, then insert): B, the months with a load batch newer than the model holds for them, over
  every interface behind the model (in_months_to_build: a new month, a late file, a re-delivery). Only these
  months read the raw registers.
  Back pay (F): every fee month the contributions of an arrival month in B pay for, in any version of that month
  ever built (int_*__contribution_fee_months_seen, append-only) — the back pay a new delivery brings to earlier
  months and, on a re-delivery, the fee months the replaced version paid for and the new one no longer does. In
  the months of F outside B the pension and unemployment rows (110, 210: the only ones with contributions) get
  their contribution columns again in place (contribution base, amounts, paid), from int_*__contribution_fee_month
  by fee month (it holds every delivery): the register rows of those months are not read again, so a back payment
  to a month whose raw partition was archived is still applied.
  Unit attributes of the rows kept (months outside B) are updated in place for the units whose newest
  register entry changed: the units delivered in the months of B whose newest entry now differs from their newest
  entry over the other months (what the table held); every unit when the pension unit register of a month of B
  was re-delivered. First build and full refresh: every row.
  Both steps run in the pre-hook (one transaction with the insert); the scope is read when the model and the
  hook are rendered, before anything changes.
-#}
{#- {'all': bool (first build, full refresh), 'months': [B], 'fee_months': [F outside B], 'units_all': bool}. -#}
{% macro pim_scope() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({'all': true, 'months': [], 'fee_months': [], 'units_all': true}) }}
    {%- endif -%}
    {%- set b = months_to_build_list() -%}
    {%- if b | length == 0 -%}
        {{ return({'all': false, 'months': [], 'fee_months': [], 'units_all': false}) }}
    {%- endif -%}
    {%- set unit_interfaces = interfaces_of(['stg_pension__units']) -%}
    {%- set units_redelivered = run_query(
        "select 1 from " ~ source('audit', 'load_batch') ~ " where status = 'superseded' and "
        ~ in_month_list('data_month', b) ~ " and interface in ('" ~ unit_interfaces | join("', '") ~ "')"
        ).rows | length > 0 -%}
    {%- set fee_months = run_query(
        "select to_char(fee_month_start, 'YYYY-MM-DD') from " ~ ref('int_pension__contribution_fee_months_seen')
        ~ " where " ~ in_month_list('month_start', b) ~ " union select to_char(fee_month_start, 'YYYY-MM-DD') from "
        ~ ref('int_unemployment__contribution_fee_months_seen') ~ " where " ~ in_month_list('month_start', b)
        ).columns[0].values() -%}
    {{ return({'all': false, 'months': b, 'fee_months': fee_months | reject('in', b) | unique | sort | list,
               'units_all': units_redelivered}) }}
{%- endmacro %}

{#- `column` among the months rebuilt: a date column, or staging's 'YYYYMM' text (as_text). -#}
{% macro pim_months_condition(scope, column, as_text=false) -%}
    {%- if scope['all'] -%}true
    {%- elif scope['months'] | length == 0 -%}false
    {%- elif as_text -%}
        {%- set texts = [] -%}
        {%- for m in scope['months'] -%}{%- do texts.append("'" ~ m[0:4] ~ m[5:7] ~ "'") -%}{%- endfor -%}
        {{ column }} in ({{ texts | join(', ') }})
    {%- else -%}{{ in_month_list(column, scope['months']) }}
    {%- endif -%}
{%- endmacro %}

{#- What was contributed per insurance (110, 210), person and fee month, from every delivery; `condition` on
    fee_month_start selects the fee months. -#}
{% macro pim_contributions(condition) -%}
    {%- for code, model in [('110', 'int_pension__contribution_fee_month'),
                            ('210', 'int_unemployment__contribution_fee_month')] %}
        select
            '{{ code }}'::text as insurance_type_code, person_id, fee_month_start as month_start,
            sum(contribution_base) as contribution_base, sum(employer_amount) as employer_amount,
            sum(employee_amount) as employee_amount
        from {{ ref(model) }}
        where {{ condition }}
        group by person_id, fee_month_start
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The newest register entry per unit (credit code, name) over the pension unit register's months;
    `months_condition` restricts the months read (on staging's data_month), `units` the units. -#}
{% macro pim_units(months_condition='true', units=none) -%}
    select distinct on (unit_id) unit_id, credit_code, unit_name
    from {{ ref('stg_pension__units') }}
    where {{ months_condition }}{% if units %} and unit_id in ({{ units }}){% endif %}
    order by unit_id, month_start desc
{%- endmacro %}

{#- The units whose newest register entry changed with the months of B (scope['months'], not empty), with that
    entry: unit_id, credit_code, unit_name. Every unit of {{ this }} when the unit register of a month of B was
    re-delivered (units_all). Also what topic_data_services__unit_insurance_month re-attributes. -#}
{% macro pim_changed_units(scope) -%}
    {%- if scope['units_all'] %}
        select u.unit_id, n.credit_code, n.unit_name
        from (select distinct unit_id from {{ this }} where unit_id is not null) as u
        left join ({{ pim_units() }}) as n on n.unit_id = u.unit_id
    {%- else %}
        {%- set b_text = pim_months_condition(scope, 'data_month', true) %}
        select n.unit_id, n.credit_code, n.unit_name
        from ({{ pim_units('true', 'select unit_id from ' ~ ref('stg_pension__units') ~ ' where ' ~ b_text) }}) as n
        left join ({{ pim_units('not ' ~ b_text, 'select unit_id from ' ~ ref('stg_pension__units') ~ ' where ' ~ b_text) }}) as o
            on o.unit_id = n.unit_id
        where o.unit_id is null
           or n.credit_code is distinct from o.credit_code or n.unit_name is distinct from o.unit_name
    {%- endif %}
{%- endmacro %}

{#- Pre-hook: delete the months rebuilt (B); give the back-paid months (F) their contributions again; give the rows
    kept the new unit attributes of the units that changed. -#}
{% macro pim_prepare() -%}
    {%- if not execute or not is_incremental() -%}select 1{%- else -%}
    {%- set scope = pim_scope() -%}
    delete from {{ this }} where {{ pim_months_condition(scope, 'month_start') }};
    {%- if scope['fee_months'] | length > 0 %}
    {%- set in_f = in_month_list('month_start', scope['fee_months']) %}
    update {{ this }} as t
    set contribution_base = n.contribution_base, employer_amount = n.employer_amount,
        employee_amount = n.employee_amount, paid = n.paid
    from (
        select
            k.insurance_type_code, k.person_id, k.month_start,
            c.contribution_base::numeric(14, 2) as contribution_base,
            c.employer_amount::numeric(14, 2) as employer_amount,
            c.employee_amount::numeric(14, 2) as employee_amount,
            (c.person_id is not null) as paid
        from {{ this }} as k
        left join ({{ pim_contributions(in_month_list('fee_month_start', scope['fee_months'])) }}) as c
            on c.insurance_type_code = k.insurance_type_code and c.person_id = k.person_id
           and c.month_start = k.month_start
        where k.{{ in_f }} and k.insurance_type_code in ('110', '210')
    ) as n
    where t.{{ in_f }} and t.insurance_type_code = n.insurance_type_code and t.person_id = n.person_id
      and t.month_start = n.month_start
      and (t.contribution_base, t.employer_amount, t.employee_amount, t.paid)
          is distinct from (n.contribution_base, n.employer_amount, n.employee_amount, n.paid);
    {%- endif %}
    {%- if scope['months'] | length > 0 %}
    update {{ this }} as t
    set credit_code = c.credit_code, unit_name = c.unit_name
    from ({{ pim_changed_units(scope) }}) as c
    where t.unit_id = c.unit_id
      and (t.credit_code is distinct from c.credit_code or t.unit_name is distinct from c.unit_name)
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The body of int_{pension,unemployment}__contribution_fee_month: contributions per person, arrival month and fee
    month (费款所属期) from one staging contributions model — what a fee month received from each delivery, back pay
    of earlier fee months included; incremental by arrival month. -#}
{% macro contribution_fee_month(contributions) -%}
select
    month_start,
    person_id,
    fee_month_start,
    sum(contribution_base)  as contribution_base,
    sum(employer_amount)    as employer_amount,
    sum(employee_amount)    as employee_amount,
    b.source_batch_id
from {{ ref(contributions) }}
join ({{ month_batch() }}) b using (month_start)
where {{ in_months_to_build('data_month') }}
group by month_start, person_id, fee_month_start, b.source_batch_id
{%- endmacro %}

{#- The body of int_*__contribution_fee_months_seen: which fee months each arrival month's contributions paid for,
    appended for every version of the month built. -#}
{% macro contribution_fee_months_seen(fee_month_model) -%}
select distinct month_start, fee_month_start, source_batch_id
from {{ ref(fee_month_model) }}
where {{ in_months_to_build() }}
{%- endmacro %}

