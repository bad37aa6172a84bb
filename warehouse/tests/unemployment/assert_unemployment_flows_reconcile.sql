-- Balance: for Beijing as a whole, this month's stock = last month's stock + inflows − outflows, both for the
-- insured (joiners / leavers) and for the benefit recipients (new claimants / exits). Returns each month and
-- stock that does not reconcile (months without a loaded previous month are skipped).
with bj as (
    select month_start,
           sum(insured) as insured, sum(insured_joiners) as joiners, sum(insured_leavers) as leavers,
           sum(benefit_recipients) as recipients, sum(recipients_previous) as recipients_previous,
           sum(new_claimants) as new_claimants, sum(claimant_exits) as exits,
           bool_and(insured_joiners is not null) as has_previous
    from {{ ref('rpt_unemployment_flows') }}
    group by month_start
),
checks as (
    select c.month_start, 'insured'::text as stock, c.insured as this_month,
           p.insured + c.joiners - c.leavers as reconciled
    from bj c join bj p on p.month_start = (c.month_start - interval '1 month')::date
    where c.has_previous
    union all
    select c.month_start, 'benefit_recipients', c.recipients,
           c.recipients_previous + c.new_claimants - c.exits
    from bj c where c.has_previous
)
select month_start, stock, this_month, reconciled, this_month - reconciled as difference
from checks
where this_month is distinct from reconciled
