-- 区县地图: every current district (未知区县 aside) has exactly one outline, and every outline is a JSON array of at
-- least four [经度, 纬度] points inside Beijing's extent. Returns the districts that fail.
select
    d.district_code,
    d.district_name
from {{ ref('dim_district') }} as d
left join {{ ref('dim_district_boundary') }} as b on d.district_code = b.district_code
where
    d.district_code != '999999'
    and (
        b.district_code is null
        or jsonb_array_length(b.boundary_ring::jsonb) < 4
        or (b.boundary_ring::jsonb -> 0 ->> 0)::numeric not between 115.4 and 117.6
        or (b.boundary_ring::jsonb -> 0 ->> 1)::numeric not between 39.4 and 41.1
    )
