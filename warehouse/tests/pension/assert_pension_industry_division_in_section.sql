-- Consistency of the industry hierarchy (GB/T 4754-2017 门类 > 大类): every (section, division) pair the unit
-- ODS and the pension month aggregate carry is a row of dim_industry, so a division always rolls up to the
-- section on the same row (the aggregate is checked against the fact by its sums_match tests, so this covers
-- the fact too). Returns one row per model, month and pair that is not in the dimension.
with pairs as (
    select 'int_pension__unit_month' as model, month_start, industry_section_code, industry_division_code,
           count(*) as row_count
    from {{ ref('int_pension__unit_month') }}
    group by 1, 2, 3, 4
    union all
    select 'agg_pension_month', month_start, industry_section_code, industry_division_code, sum(fact_rows)
    from {{ ref('agg_pension_month') }}
    where industry_section_code is not null or industry_division_code is not null
    group by 1, 2, 3, 4
)
select p.*
from pairs p
left join {{ ref('dim_industry') }} d
    on d.industry_division_code = p.industry_division_code and d.industry_section_code = p.industry_section_code
where d.industry_division_code is null
