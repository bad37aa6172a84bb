-- 区县地图: one outline per current district (seeds/geo/NOTICE.md), joined by district_code by the map datasets.
select
    d.district_code,
    d.district_name,
    b.boundary_ring
from {{ ref('dim_district') }} as d
inner join {{ ref('geo_district_boundary') }} as b on d.district_code = b.district_code
