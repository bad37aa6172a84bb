-- Exactness of the per-unit month aggregate the unit summaries read (topic_data_services__unit_insurance_month): in
-- every month changed since the last passing build (a row with a load batch above var tested_through_batch in either
-- model, see macros/test_scope.sql; the aggregate's back-paid and re-attributed months carry the build's batch), its
-- rows equal the group-by of the person-month records, both ways (EXCEPT ALL: a row missing, extra or different).
-- Not the generic sums_match: its full join on five nullable keys (is not distinct from) cannot hash, and ran
-- 14 minutes without finishing on the demo drop. Returns each differing row and the side it is on.
{%- set watermark = var('tested_through_batch', 0) | int %}
{%- set source = ref('topic_data_services__person_insurance_month') %}
{%- set aggregate = ref('topic_data_services__unit_insurance_month') %}
with changed_months as (
    select month_start from {{ aggregate }} where source_batch_id > {{ watermark }}
    union
    select month_start from {{ source }} where source_batch_id > {{ watermark }}
),

expected as (
    select
        credit_code, unit_id, month_start, insurance_type_code, insurance_type_name,
        count(*) as persons,
        count(*) filter (where insured_status_code in ('1', '2')) as insured_persons,
        count(*) filter (where paid) as paid_persons,
        sum(employer_amount) as employer_total,
        sum(employee_amount) as employee_total
    from {{ source }}
    where month_start in (select month_start from changed_months)
    group by credit_code, unit_id, month_start, insurance_type_code, insurance_type_name
),

built as (
    select
        credit_code, unit_id, month_start, insurance_type_code, insurance_type_name,
        persons, insured_persons, paid_persons, employer_total, employee_total
    from {{ aggregate }}
    where month_start in (select month_start from changed_months)
)

select 'missing from the aggregate' as side, d.* from (select * from expected except all select * from built) as d
union all
select 'not in the person-month records', d.* from (select * from built except all select * from expected) as d
