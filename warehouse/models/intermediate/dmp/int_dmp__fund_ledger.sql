-- Fund ledger lines with codes checked and mapped: current district, fund item → budget item.
select
    l.month_start,
    {{ known_code('l.insurance_type_code', 'code_insurance_type', '999') }} as insurance_type_code,
    {{ current_district('l.district_code') }}                            as district_code,
    l.district_code                                                      as source_district_code,
    {{ known_code('l.fund_item_code', 'code_fund_item', '9999') }}        as fund_item_code,
    coalesce(fi.direction, l.direction_code)                             as direction_code,
    coalesce(bi.code, 'B999')                                            as budget_item_code,
    l.amount,
    l.record_count,
    l.account_date
from {{ ref('stg_dmp__fund_ledger_entries') }} l
left join {{ ref('code_fund_item') }} fi on fi.code = l.fund_item_code
left join {{ ref('code_budget_item') }} bi on l.fund_item_code = any(string_to_array(bi.fund_items, ';'))
