-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 信访件清洗: one row per petition received in the month; district mapped, unknown codes to the unknown member.
with deduped as (
    select distinct on (month_start, petition_id) *
    from {{ ref('stg_petition__cases') }}
    order by month_start, petition_id, batch_id desc
)
select
    d.month_start,
    d.petition_id,
    {{ current_district('d.district_code') }}                              as district_code,
    d.district_code                                                        as source_district_code,
    case when exists (select 1 from {{ ref('code_petition_channel') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.channel_code)
         then d.channel_code else 'Z' end      as channel_code,
    case when exists (select 1 from {{ ref('code_petition_matter') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.matter_type_code)
         then d.matter_type_code else 'ZZ' end  as matter_type_code,
    d.receive_date,
    coalesce(d.persons, 0)                                                 as persons,
    (d.collective_flag = '1')                                              as is_collective,
    (d.repeat_flag = '1')                                                  as is_repeat,
    (d.handled_flag = '1')                                                 as is_handled,
    (d.petitioner_id_number is null and d.petitioner_name is null)         as is_anonymous,
    d.respondent_credit_code,
    d.response_days,
    d.batch_id
from deduped d
