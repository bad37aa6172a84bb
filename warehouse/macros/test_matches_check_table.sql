{#-
  Generic balance test: a month × district model equals the provider's 数据核对表, cell by cell.

      data_tests:
        - matches_check_table:
            arguments:
              source: pension                       # raw.check_table.source
              measures: {insured_active: insured_active, contributors: contributors}   # check measure: model column
              # district_column: district_code      (default)
              # month_column: month_start           (default)
              # beijing_total: false                true when the provider reports one 110000 row:
              #                                     the model's districts are summed and compared to it

  Returns every differing cell (month, district, measure, warehouse value, provider value, difference);
  a cell missing on one side counts as a difference, except a warehouse zero with no provider row.
  Only months present in the check table are compared, and not those in which the source was not delivered in
  full (stg_provider__check_table.source_delivered: a month loaded with FORCE); the quality report lists those as 未交付.
-#}
{% test matches_check_table(model, source, measures, district_column='district_code', month_column='month_start',
                            beijing_total=false) %}
with checked_months as (
    -- not the months the source was not delivered in full (forced load): nothing to compare, listed as 未交付
    select distinct month_start from {{ ref('stg_provider__check_table') }}
    where source = '{{ source }}' and source_delivered
),
warehouse as (
    {%- for check_measure, column in measures.items() %}
    select m.{{ month_column }} as month_start,
           {% if beijing_total %}'110000'{% else %}m.{{ district_column }}::text{% endif %} as district_code,
           '{{ check_measure }}'::text as measure,
           sum(m.{{ column }})::numeric as value
    from {{ model }} m
    where m.{{ month_column }} in (select month_start from checked_months)
      and {{ not_beijing_row(model, 'm') }}   -- the mart's own Beijing row (a total) is not a provider cell
    group by 1, 2
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),
provider as (
    select month_start, district_code, measure, value
    from {{ ref('stg_provider__check_table') }}
    where source = '{{ source }}'
      and month_start in (select month_start from checked_months)
      and measure in ({% for m in measures %}'{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
)
select coalesce(w.month_start, p.month_start) as month_start,
       coalesce(w.district_code, p.district_code) as district_code,
       coalesce(w.measure, p.measure) as measure,
       w.value as warehouse_value, p.value as provider_value,
       coalesce(w.value, 0) - coalesce(p.value, 0) as difference
from warehouse w
full join provider p
    on p.month_start = w.month_start and p.district_code = w.district_code and p.measure = w.measure
where w.value is distinct from p.value
  and not (w.value = 0 and p.value is null)
  and not (p.value = 0 and w.value is null)
{% endtest %}
