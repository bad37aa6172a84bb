-- 法人单位维度 (conformed): one row per unit credit code with the register's attributes and the sources holding it.
select
    credit_code,
    org_code,
    unit_name,
    coalesce(legal_form_code, case left(credit_code, 2) when '91' then '1' when '11' then '2' when '12' then '3'
                                                         when '51' then '4' when '52' then '5' else '9' end) as legal_form_code,
    district_code,
    industry_section,
    register_date,
    deregister_date,
    unit_status_code,
    in_legal_register,
    source_count,
    source_list,
    has_name_conflict
from {{ ref('int_identity__legal_unit') }}
