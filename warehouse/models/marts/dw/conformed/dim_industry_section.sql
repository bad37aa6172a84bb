select code as industry_section_code, name as industry_section_name from {{ ref('code_industry_section') }}
union all
select '99', '未知'
