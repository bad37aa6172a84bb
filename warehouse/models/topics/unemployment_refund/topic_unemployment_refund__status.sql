-- 企业免审即享社保专题库: the population rule (口径 v1, 失业保险费返还“免审即享”, after 京人社发〔2021〕 援企稳岗) applied to
-- every unit with unemployment-insurance contributions in the 12 months to the as-of month:
--   1. 经信局法人库登记存续 (not 注销);
--   2. contributions in every month of the window that has been loaded (window = the 12 months to the as-of month;
--      a warehouse holding fewer months judges on the months it holds, months_loaded says how many);
--   3. 裁员率 = (insured at the window's first loaded month − insured in the as-of month) ÷ insured at the first,
--      ≤ var refund_max_layoff_pct (5.5 %), or ≤ var refund_max_layoff_pct_small (20 %) for units of ≤ 30 insured;
--   4. not on the 严重违法失信 list in the as-of month.
-- 返还金额 = the unit's share of the window's contributions × 60 % (≤ var refund_sme_staff = 300 insured: 中小微企业)
-- or × 30 % (larger units).
-- Incremental (macros/topic_incremental.sql): after a daily load only the units whose 法人库 / 市场监管 records the
-- days changed are judged again and merged (deleted, then inserted if still a candidate); a monthly build judges all.
{{ config(meta={'daily_merged': true}, materialized='incremental', incremental_strategy='append',
          on_schema_change='append_new_columns',
          pre_hook="{{ daily_incremental_delete_units(ref('int_identity__unit_records')) }}") }}
{%- set since = daily_incremental_since() %}
with {% if since %}changed_units as materialized ({{ daily_changed_units(since, ref('int_identity__unit_records')) }}),
{% endif %}win as (select {{ topic_as_of() }} as as_of_month, ({{ topic_as_of() }} - interval '11 months')::date as from_month),
loaded as (
    select count(distinct month_start) as months_loaded, min(month_start) as first_month
    from {{ ref('stg_unemployment__contributions') }}, win where month_start between win.from_month and win.as_of_month
),
units as (select distinct on (unit_id) unit_id, credit_code, unit_name, district_code
          from {{ ref('stg_pension__units') }} order by unit_id, month_start desc),
contrib as (
    select u.credit_code, count(distinct c.month_start) as months_paid, sum(c.employer_amount) as employer_paid
    from {{ ref('stg_unemployment__contributions') }} c join units u using (unit_id), win
    where c.month_start between win.from_month and win.as_of_month{{ daily_changed_units_filter('u.credit_code', since) }}
          {{- daily_changed_unit_ids_filter('c.unit_id', 'units', since) }}
    group by u.credit_code
),
insured as (
    select u.credit_code,
           count(distinct p.person_id) filter (where p.month_start = (select first_month from loaded)) as insured_start,
           count(distinct p.person_id) filter (where p.month_start = (select as_of_month from win)) as insured_end
    from {{ ref('stg_unemployment__insured_persons') }} p join units u using (unit_id)
    where p.insured_status_code in ('1', '2'){{ daily_changed_units_filter('u.credit_code', since) }}
          {{- daily_changed_unit_ids_filter('p.unit_id', 'units', since) }}
    group by u.credit_code
),
violation as (
    select distinct credit_code from {{ ref('int_identity__unit_records') }}
    where source_interface = 'market_serious_violation' and resolved and last_month = (select as_of_month from win){{ daily_changed_units_filter('credit_code', since) }}
),
m as (
    select
        c.credit_code, coalesce(l.unit_name, n.unit_name) as unit_name, coalesce(l.district_code, n.district_code) as district_code,
        l.unit_status_code, coalesce(l.in_legal_register, false) as in_legal_register,
        c.months_paid, ld.months_loaded, coalesce(i.insured_start, 0) as insured_start,
        coalesce(i.insured_end, 0) as insured_end, c.employer_paid,
        round(100.0 * greatest(coalesce(i.insured_start, 0) - coalesce(i.insured_end, 0), 0)
              / nullif(i.insured_start, 0), 2) as layoff_rate_pct,
        v.credit_code is not null as on_serious_violation_list,
        w.as_of_month
    from contrib c
    cross join win w
    cross join loaded ld
    left join {{ ref('int_identity__legal_unit') }} l using (credit_code)
    left join (select distinct on (credit_code) credit_code, unit_name, district_code from units order by credit_code) n
           using (credit_code)
    left join insured i using (credit_code)
    left join violation v using (credit_code)
),
judged as (
    select m.*,
           case when insured_end <= {{ var('refund_small_unit_staff', 30) }}
                then {{ var('refund_max_layoff_pct_small', 20) }} else {{ var('refund_max_layoff_pct', 5.5) }} end
                                                                                      as layoff_limit_pct,
           case when insured_end <= {{ var('refund_sme_staff', 300) }} then 0.60 else 0.30 end as refund_ratio
    from m
)
select
    credit_code, unit_name, district_code, unit_status_code, months_paid, months_loaded, insured_start, insured_end,
    layoff_rate_pct, layoff_limit_pct, on_serious_violation_list, employer_paid, refund_ratio,
    round(employer_paid * refund_ratio, 2) as refund_amount, as_of_month, now()::timestamp as evaluated_at,
    (in_legal_register and unit_status_code = '1' and months_paid >= months_loaded
     and coalesce(layoff_rate_pct, 0) <= layoff_limit_pct and insured_end > 0 and not on_serious_violation_list)
                                                                                      as in_population,
    case when not in_legal_register then '不在经信局法人库'
         when unit_status_code <> '1' then '法人库登记已注销'
         when months_paid < months_loaded then '窗口内有月份未缴费(' || months_paid || '/' || months_loaded || ')'
         when insured_end = 0 then '口径月份无参保职工'
         when coalesce(layoff_rate_pct, 0) > layoff_limit_pct then '裁员率超过' || layoff_limit_pct || '%'
         when on_serious_violation_list then '列入严重违法失信名单'
         else '符合返还条件(免审即享)' end                                            as reason
from judged
