-- 参保单位维度(SCD2): every version of every unit from the snapshot, with its validity and labels.
-- A version closed in the month it was opened (valid_to = valid_from) was replaced by a correction re-delivered
-- for that same month: it was never valid, and keeping it would give the unit two versions from one month.
select
    s.dbt_scd_id                                        as unit_version_key,
    s.unit_id,
    s.district_code,
    d.district_name,
    s.industry_section_code,
    i.industry_section_name,
    s.industry_division_code,
    dv.industry_division_name,
    s.economic_type_code,
    e.economic_type_name,
    s.is_active,
    s.dbt_valid_from::date                              as valid_from,
    s.dbt_valid_to::date                                as valid_to,
    s.dbt_valid_to is null                              as is_current
from {{ ref('snap_pension_unit') }} s
left join {{ ref('dim_district') }} d on d.district_code = s.district_code
left join {{ ref('dim_industry_section') }} i on i.industry_section_code = s.industry_section_code
left join {{ ref('dim_industry') }} dv on dv.industry_division_code = s.industry_division_code
left join {{ ref('dim_economic_type') }} e on e.economic_type_code = s.economic_type_code
where s.dbt_valid_to is null or s.dbt_valid_to > s.dbt_valid_from
