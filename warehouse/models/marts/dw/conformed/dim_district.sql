-- The 16 current Beijing districts plus the unknown member; retired codes live in code_district.
select code as district_code, name as district_name, sort_order as district_sort
from {{ ref('code_district') }}
where is_current
union all
select '999999', '未知区县', 99
