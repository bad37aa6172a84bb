-- 自然人维度 (conformed, without personal identifiers): one row per golden natural person, keyed by person_key
-- (md5 of the normalised ID number). The identifiers themselves stay in intermediate and the topic libraries.
select
    person_key,
    gender_code,
    extract(year from birth_date)::int           as birth_year,
    hukou_nature_code,
    coalesce(hn.is_agricultural::boolean, false) as is_agricultural_hukou,
    is_beijing_hukou,
    district_code,
    death_date is not null or cremation_date is not null as is_deceased,
    date_trunc('month', least(death_date, cremation_date))::date as death_month,
    id_is_valid,
    source_count,
    source_list
from {{ ref('int_identity__natural_person') }} p
left join {{ ref('code_hukou_nature') }} hn on hn.code = p.hukou_nature_code
