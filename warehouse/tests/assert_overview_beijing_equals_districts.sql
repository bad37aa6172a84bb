-- Balance: in every month × district overview mart, the Beijing row (110000 北京市(全市), macros/beijing_total.sql)
-- equals the sum of its district rows (999999 未知区县 included), for every additive column (counts: bigint,
-- amounts: numeric(18,2); ratios and growth rates are derived from these on each row alike), every month.
-- Also fails when a month has district rows but no Beijing row, or a Beijing row but no district rows.
-- Returns one row per mart, month and column that differs.
{%- set marts = ['rpt_pension_overview', 'rpt_public_pension_overview', 'rpt_unemployment_overview',
                 'rpt_injury_overview', 'rpt_maternity_overview', 'rpt_medical_account_overview',
                 'rpt_residents_pension_overview', 'rpt_unemployed_registry_overview', 'rpt_job_market_overview',
                 'rpt_training_overview', 'rpt_arbitration_overview', 'rpt_petition_overview',
                 'rpt_pension_benefit_level', 'rpt_pension_contribution_base'] %}
{%- set parts = [] %}
{%- for name in marts %}
    {%- set rel = ref(name) %}
    {%- set cols = adapter.get_columns_in_relation(rel) if execute else [] %}
    {%- set additive = [] %}
    {%- for c in cols %}
        {%- if c.name not in ('district_sort', 'month_key') and (c.dtype == 'bigint'
              or (c.dtype == 'numeric' and c.numeric_precision == 18 and c.numeric_scale == 2)) %}
            {%- do additive.append(c.name) %}
        {%- endif %}
    {%- endfor %}
    {%- for col in additive %}
        {%- do parts.append("select '" ~ name ~ "'::text as mart, month_start, '" ~ col ~ "'::text as measure, "
            ~ "sum(" ~ col ~ ") filter (where district_code = '110000')::numeric as beijing, "
            ~ "sum(" ~ col ~ ") filter (where district_code <> '110000')::numeric as districts, "
            ~ "count(*) filter (where district_code = '110000') as beijing_rows, "
            ~ "count(*) filter (where district_code <> '110000') as district_rows "
            ~ "from " ~ rel ~ " group by month_start") %}
    {%- endfor %}
{%- endfor %}
with cells as (
    {{ parts | join('\n    union all\n    ') if parts else "select null::text as mart, null::date as month_start, null::text as measure, null::numeric as beijing, null::numeric as districts, 1 as beijing_rows, 1 as district_rows where false" }}
)
select mart, month_start, measure, beijing, districts, coalesce(beijing, 0) - coalesce(districts, 0) as difference,
       beijing_rows, district_rows
from cells
where beijing is distinct from districts or beijing_rows <> 1 or district_rows = 0
