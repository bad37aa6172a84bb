-- Balance: every account-month satisfies 期末余额 = 期初余额 + 划入 − 支出, and the opening balance equals the
-- previous month's closing balance when the person was in the previous month's file. Returns each
-- person-month that breaks either rule, with the rule and the difference.
with f as (
    select month_start, person_id, balance_begin, credit_amount, spent, balance_end
    from {{ ref('fct_medical_account_person_month') }}
)
select f.month_start, f.person_id, 'balance_identity'::text as rule,
       f.balance_end as actual, f.balance_begin + f.credit_amount - f.spent as expected,
       f.balance_end - (f.balance_begin + f.credit_amount - f.spent) as difference
from f
where f.balance_end <> f.balance_begin + f.credit_amount - f.spent
union all
select f.month_start, f.person_id, 'carried_forward',
       f.balance_begin, p.balance_end, f.balance_begin - p.balance_end
from f
join f p on p.person_id = f.person_id and p.month_start = (f.month_start - interval '1 month')::date
where f.balance_begin <> p.balance_end
