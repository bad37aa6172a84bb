-- 代码一致性(提示, 不阻止发布): units delivered with a division (大类) of the code table that belongs to
-- another section (门类) than the one delivered. The rows are kept; the ODS maps them to the section's
-- unknown division '<section>99' (int_pension__unit_month). Listed per month, section and division with the
-- number of units and one example, in the quality report. (Divisions missing from the code table are the
-- loader's unknown_code findings.)
{{ config(severity='warn') }}
select
    u.month_start,
    u.industry_section_code                 as delivered_section_code,
    u.industry_division_code                as delivered_division_code,
    d.section_code                          as division_section_code,
    count(*)                                as units,
    min(u.unit_id)                          as example_unit_id
from {{ ref('stg_pension__units') }} u
join {{ ref('code_industry_division') }} d on d.code = u.industry_division_code
join {{ ref('code_industry_section') }} s on s.code = u.industry_section_code
where d.section_code <> u.industry_section_code
group by 1, 2, 3, 4
