select code as gender_code, name as gender_name from {{ ref('code_gender') }}
union all
select '9', '未知'
