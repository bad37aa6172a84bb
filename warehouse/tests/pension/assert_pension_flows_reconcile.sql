-- Pension flows: per month and district, the closing stock equals the opening stock plus in-flows minus out-flows,
-- the opening stock is last month's closing stock, and over Beijing transfers in equal transfers out.
-- Months whose previous month is not in the warehouse (flows null) are skipped. Returns each differing cell.
with f as (select * from {{ ref('rpt_pension_flows') }} where insured_start is not null)
select f.month_start, f.district_code, 'stock_flow' as rule,
       f.insured_end - (f.insured_start + f.active_joiners + f.retired_joiners - f.active_leavers - f.retiree_exits
                        + f.transfers_in - f.transfers_out) as difference
from f
where f.insured_end <> f.insured_start + f.active_joiners + f.retired_joiners - f.active_leavers - f.retiree_exits
                       + f.transfers_in - f.transfers_out
union all
select f.month_start, f.district_code, 'opening_is_last_closing', f.insured_start - coalesce(p.insured_end, 0)
from f
left join {{ ref('rpt_pension_flows') }} p
  on p.district_code = f.district_code and p.month_start = (f.month_start - interval '1 month')::date
where f.insured_start <> coalesce(p.insured_end, 0)
union all
select month_start, null, 'transfers_balance', sum(transfers_in) - sum(transfers_out)
from f group by month_start
having sum(transfers_in) <> sum(transfers_out)
