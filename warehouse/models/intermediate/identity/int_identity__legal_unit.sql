-- Golden record per unit (一户一档): the credit code; name, legal form, district, industry, registration and
-- deregistration from the legal-person register (经信局) when it holds the unit, else from the pension registers.
-- indexed for 名单比对 (listmatch/): the identifiers and birth dates of a list are looked up chunk by chunk
{{ config(indexes=[{'columns': ['credit_code']}]) }}
with ranked as (
    select *, row_number() over (partition by credit_code order by priority, last_month desc, source_interface) as rn
    from {{ ref('int_identity__unit_records') }}
    where resolved
),
sources as (
    select credit_code,
           string_agg(distinct source_interface, ',')     as source_list,
           count(distinct source_interface)               as source_count,
           count(distinct unit_name) filter (where unit_name is not null) > 1 as has_name_conflict
    from {{ ref('int_identity__unit_records') }}
    where resolved
    group by credit_code
),
legal as (
    select distinct on (credit_code) credit_code, org_code, legal_form_code, district_code, industry_section_code as industry_section,
           register_date, deregister_date, unit_status_code, tax_paid_last_year, month_start as legal_month
    from {{ ref('stg_legal_person__legal_persons') }}
    order by credit_code, month_start desc
)
select
    r.credit_code,
    {{ org_code_of_credit('r.credit_code') }}       as org_code,
    r.unit_name,
    l.legal_form_code,
    l.district_code,
    l.industry_section,
    l.register_date,
    l.deregister_date,
    coalesce(l.unit_status_code, '1')               as unit_status_code,
    l.tax_paid_last_year,
    l.credit_code is not null                       as in_legal_register,
    s.source_list,
    s.source_count::int                             as source_count,
    s.has_name_conflict
from ranked r
join sources s using (credit_code)
left join legal l using (credit_code)
where r.rn = 1
