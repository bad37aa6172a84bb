-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 仲裁案件清洗: one row per case handled in the month (carried over or accepted), closing flags from the
-- closing-method code table (is_mediation), unknown codes to the unknown member.
with deduped as (
    select distinct on (month_start, case_id) *
    from {{ ref('stg_arbitration__cases') }}
    order by month_start, case_id, batch_id desc
)
select
    d.month_start,
    d.case_id,
    {{ current_district('d.district_code') }}                              as district_code,
    d.district_code                                                        as source_district_code,
    case when exists (select 1 from {{ ref('code_case_origin') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.case_origin_code)
         then d.case_origin_code else 'Z' end       as case_origin_code,
    case when exists (select 1 from {{ ref('code_dispute_cause') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.cause_code)
         then d.cause_code else 'ZZ' end          as cause_code,
    d.accept_date,
    d.close_date,
    (d.case_origin_code = '1')                                             as is_carried_over,
    (d.case_origin_code = '2')                                             as is_accepted,
    (d.case_closed_flag = '1')                                             as is_closed,
    case when d.closing_method_code is null then null
         else case when exists (select 1 from {{ ref('code_closing_method') }} zz_code where lpad(zz_code.code::text, 1, '0') = d.closing_method_code)
         then d.closing_method_code else 'Z' end end as closing_method_code,
    (d.closing_method_code = '1')                                          as is_mediated,
    (d.closing_method_code = '2')                                          as is_awarded,
    (d.closing_method_code = '3')                                          as is_withdrawn,
    (d.closing_method_code = '4')                                          as is_other_closed,
    (d.collective_flag = '1')                                              as is_collective,
    coalesce(d.workers_involved, 0)                                        as workers_involved,
    coalesce(d.amount_claimed, 0)                                          as amount_claimed,
    coalesce(d.amount_settled, 0)                                          as amount_settled,
    d.employer_credit_code,
    case when d.case_closed_flag = '1' then d.close_date - d.accept_date end as days_to_close,
    d.batch_id
from deduped d
