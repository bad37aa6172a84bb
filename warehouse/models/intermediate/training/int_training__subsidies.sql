-- Code checks compare lpad(code::text, width) because the HR code seeds are currently loaded with integer codes
-- (no column_types in seeds/_seeds.yml); this stays correct once they are typed as text.
-- 培训补贴发放清洗: one row per payment and month, attributed to the course's district (training institution)
-- of that month; a payment whose course is missing is kept under the unknown district.
with deduped as (
    select distinct on (month_start, payment_id) *
    from {{ ref('stg_training__subsidies') }}
    order by month_start, payment_id, batch_id desc
)
select
    d.month_start,
    d.payment_id,
    d.course_id,
    d.person_id,
    coalesce(c.district_code, '999999')                                    as district_code,
    coalesce(c.training_type_code, 'Z')                                    as training_type_code,
    case when exists (select 1 from {{ ref('code_training_subsidy_item') }} zz_code where lpad(zz_code.code::text, 2, '0') = d.subsidy_item_code)
         then d.subsidy_item_code else 'ZZ' end as subsidy_item_code,
    coalesce(d.amount, 0)                                                  as amount,
    d.paid_date,
    (c.course_id is not null)                                              as course_matched,
    d.batch_id
from deduped d
left join {{ ref('int_training__courses') }} c on c.month_start = d.month_start and c.course_id = d.course_id
