{#- Slowly-changing history of the enterprise-pension units (SCD type 2). Each build takes the latest
    delivered state of every unit; a change of district, industry, economic type or status closes the
    old version (dbt_valid_to) and opens a new one. `check` strategy: a unit delivered unchanged next
    month keeps its version (a timestamp on the data month would open a new version every month); the
    data month stamps the versions (updated_at), so valid_from is the month the change was delivered. -#}
{% snapshot snap_pension_unit %}
{{ config(
    target_schema='snapshots',
    unique_key='unit_id',
    strategy='check',
    check_cols=['district_code', 'industry_section_code', 'industry_division_code', 'economic_type_code', 'is_active'],
    updated_at='month_start',
    invalidate_hard_deletes=False
) }}
select distinct on (unit_id)
    unit_id, month_start::timestamp as month_start, district_code, industry_section_code, industry_division_code,
    economic_type_code, is_active
from {{ ref('int_pension__unit_month') }}
order by unit_id, month_start desc
{% endsnapshot %}
