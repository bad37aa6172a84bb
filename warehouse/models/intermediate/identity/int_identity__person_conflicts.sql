-- Where a source disagrees with the golden record on name, gender or birth date: one row per person, attribute
-- and source (the source's latest record). Gender and birth date are judged against the ID number.
with r as (select * from {{ ref('int_identity__person_records') }}),
g as (select id_number, person_name, gender_code, birth_date from {{ ref('int_identity__natural_person') }})
select r.id_number, 'person_name'::text as attribute, '姓名'::text as attribute_label, r.source_interface, r.provider,
       r.person_name as source_value, g.person_name as golden_value, r.last_month
from r join g using (id_number)
where r.person_name is distinct from g.person_name
union all
select r.id_number, 'gender', '性别', r.source_interface, r.provider, r.gender_code as source_value,
       g.gender_code as golden_value, r.last_month
from r join g using (id_number)
where r.gender_code is not null and r.gender_code is distinct from g.gender_code
union all
select r.id_number, 'birth_date', '出生日期', r.source_interface, r.provider, r.birth_date::text as source_value,
       g.birth_date::text as golden_value, r.last_month
from r join g using (id_number)
where r.birth_date is not null and r.birth_date is distinct from g.birth_date
