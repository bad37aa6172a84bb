-- 行业维度(GB/T 4754-2017), grain 大类 with its 门类: the hierarchy section > division of the cube.
-- Besides the 97 divisions: per section an unknown division '<section>99' (a delivered division missing from
-- the code table or belonging to another section: the section is known, the division is not) and the
-- unknown member '99' (section unknown too). Every division code the facts carry is a row here.
select
    d.code          as industry_division_code,
    d.name          as industry_division_name,
    s.code          as industry_section_code,
    s.name          as industry_section_name,
    false           as is_unknown
from {{ ref('code_industry_division') }} d
join {{ ref('code_industry_section') }} s on s.code = d.section_code
union all
select s.code || '99', '未知大类（' || s.name || '）', s.code, s.name, true
from {{ ref('code_industry_section') }} s
union all
select '99', '未知', '99', '未知', true
