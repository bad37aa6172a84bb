-- 月份 × 区县骨架: every month of the calendar (dim_month) × every district (dim_district, 未知区县 999999
-- included, flagged), the scaffold the month × district reports start from so a district without rows in a
-- month still shows zeros. Reports keep the unknown district only where some rows fall into it:
-- `where not m.is_unknown_district or <a fact joined> is not null`.
select
    m.month_start, m.month_key, m.year, m.quarter, m.month, m.year_quarter, m.month_label, m.month_end,
    d.district_code, d.district_name, d.district_sort,
    (d.district_code = '999999') as is_unknown_district
from {{ ref('dim_month') }} m
cross join {{ ref('dim_district') }} d
