-- 组织机构代码 → 统一社会信用代码, from the legal-person register (the organisation code is positions 9–17 of
-- the credit code, GB 32100); one credit code per organisation code (the latest registration wins).
select distinct on (org_code)
    {{ org_code_of_credit('credit_code') }} as org_code,
    credit_code,
    org_code                                as delivered_org_code
from (select credit_code, org_code, month_start from {{ ref('stg_legal_person__legal_persons') }}) l
order by {{ org_code_of_credit('credit_code') }}, month_start desc, credit_code
