select code as age_band_code, name as age_band_name, min_age, max_age, sort_order as band_sort
from {{ ref('code_age_band') }}
union all
select 'A9', '未知', null, null, 99
