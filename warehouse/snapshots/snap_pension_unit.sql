{#- Slowly-changing history of the enterprise-pension units (SCD type 2). Each build takes the latest
    delivered state of every unit; a change of district, industry, economic type or status closes the
    old version (dbt_valid_to) and opens a new one. -#}
{% snapshot snap_pension_unit %}
{{ config(
    target_schema='snapshots',
    unique_key='unit_id',
    strategy='timestamp',
    updated_at='month_start',
    invalidate_hard_deletes=False
) }}
select distinct on (unit_id)
    unit_id, month_start::timestamp as month_start, district_code, industry_section_code, economic_type_code, is_active
from {{ ref('int_pension__unit_month') }}
order by unit_id, month_start desc
{% endsnapshot %}
