-- The scale of each month's synthetic drop (params.scale of its _manifest.json, recorded by the loader). A real
-- delivery has no manifest and no row here: its scale is 1 (Beijing as it is), see dim_month.data_scale.
select
    data_month as month_start,
    scale::numeric as data_scale,
    seed,
    generator as generator_version,
    recorded_at
from {{ source('audit', 'drop_manifest') }}
