"""Employee basic medical insurance individual accounts (职工基本医疗保险个人账户, type 310), one month.

Insured: a stable ≈86 % of the working enterprise employees and ≈82 % of the retirees (≈14.9 million at
scale 1 against 14.86 million at year-end 2021).
Credits (划入, est.): a paying employee's own 2 % of the base; before 2023 (the outpatient mutual-aid
reform) also part of the employer's contribution by age: under 35 0.8 %, 35–44 1 %, 45 and over 2 %.
Suspended payers get nothing. Retirees get a flat 100 yuan a month, 110 from age 70.
Spending (支出, est.): ≈45 % of employees and ≈75 % of retirees spend in a month, at outpatient clinics and
designated pharmacies, never more than the balance. Balances are carried from month to month (in
integer cents, so balance_end = balance_begin + credit − spending exactly).
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.blocks import RowBlocks
from synth.population import Population
from synth.sources import _emp_common as c

SOURCE = "medical_account"

EMPLOYEE_RATE = 0.02
REFORM = month_index("202301")


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pop: Population = world.people
    m = pop.month
    rng = world.rng(SOURCE, month)
    p, u = pop.p, pop.units
    st = p["state"]
    state = world.state.setdefault(SOURCE, {})
    v = c.member_value(p["pid"])
    working = np.isin(st, c.WORKING) & (v < c.SHARE_MEDICAL_ACTIVE)
    retired = np.isin(st, [Population.RETIRED, Population.DEAD]) & (v < c.SHARE_MEDICAL_RETIRED)
    idx = np.flatnonzero(working | retired)  # ascending pid
    n = len(idx)
    is_ret = retired[idx]
    age = c.age_years(p["birth"][idx], m)

    # Credits.
    paying = st[idx] == Population.ACTIVE
    base = pop.clip_base(p["wage"][idx])
    rate = np.full(n, EMPLOYEE_RATE)
    if m < REFORM:
        rate = rate + np.where(age < 35, 0.008, np.where(age < 45, 0.01, 0.02))
    credit = np.where(is_ret, np.where(age >= 70, 11_000, 10_000),
                      np.where(paying, np.floor(base * rate * 100 + 0.5), 0)).astype(np.int64)

    # Opening balances carried over (cents); at the start drawn, later joiners start empty.
    pids = p["pid"][idx]
    if "pid" in state:
        prev_pid, prev_bal = state["pid"], state["balance"]
        pos = np.clip(np.searchsorted(prev_pid, pids), 0, max(len(prev_pid) - 1, 0))
        hit = (prev_pid[pos] == pids) if len(prev_pid) else np.zeros(n, bool)
        begin = np.where(hit, prev_bal[pos] if len(prev_pid) else 0, 0)
    else:
        med = np.where(is_ret, 4000.0, 2500.0)
        begin = np.floor(np.exp(rng.normal(np.log(med), 1.0)) * 100).astype(np.int64)

    # Spending, capped by what is in the account.
    spends = rng.random(n) < np.where(is_ret, 0.75, 0.45)
    want = np.floor(np.exp(rng.normal(np.log(np.where(is_ret, 320.0, 180.0)), 0.9)) * 100).astype(np.int64)
    spend = np.where(spends, np.minimum(want, begin + credit), 0)
    pharmacy = np.floor(spend * rng.uniform(0.3, 0.9, size=n)).astype(np.int64)
    outpatient = spend - pharmacy
    end = begin + credit - spend
    state["pid"], state["balance"] = pids, end

    # The file (≈ 85 % of the population) is formatted a block of rows at a time while it is written
    # (synth.blocks); what the check table sums is kept as numbers behind the columns (_emp_common.remember).
    unit = p["unit"][idx]
    dnum = np.where(is_ret, p["retire_district"][idx], u["district"][unit]).astype(np.int64)
    ptype = np.where(is_ret, "2", "1")

    def block(b0: int, b1: int) -> dict:
        i, r, un = idx[b0:b1], is_ret[b0:b1], unit[b0:b1]
        return {
            "data_month": c.full(b1 - b0, month), "person_id": c.pid_str(pids[b0:b1]), "id_number": p["idno"][i],
            "person_name": p["name"][i].astype(str), "gender": p["gender"][i], "birth_date": c.dates(p["birth"][i]),
            "person_type": ptype[b0:b1], "district_code": c.zfill(dnum[b0:b1], 6),
            "unit_id": np.where(r, "", c.uid_str(u["uid"][un])),
            "credit_base": np.where(r | ~paying[b0:b1], "0.00", c.money(base[b0:b1])),
            "balance_begin": c.money_cents(begin[b0:b1]), "credit_amount": c.money_cents(credit[b0:b1]),
            "spend_outpatient": c.money_cents(outpatient[b0:b1]), "spend_pharmacy": c.money_cents(pharmacy[b0:b1]),
            "balance_end": c.money_cents(end[b0:b1])}

    cols = RowBlocks(n, block).columns(("data_month", "person_id", "id_number", "person_name", "gender",
                                        "birth_date", "district_code", "unit_id", "credit_base", "balance_begin",
                                        "credit_amount", "spend_outpatient", "spend_pharmacy", "balance_end"))
    cols["person_type"] = ptype
    for name, values in (("district_code", dnum), ("credit_amount", credit), ("spend_outpatient", outpatient),
                         ("spend_pharmacy", pharmacy), ("balance_end", end)):
        c.remember(cols[name], values)
    return {"med_account_monthly": cols}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    f = files["med_account_monthly"]
    d = c.as_int(f["district_code"])
    ret = f["person_type"] == "2"
    credit = c.cents(f["credit_amount"])
    spent = c.cents(f["spend_outpatient"]) + c.cents(f["spend_pharmacy"])
    ins_a, ins_r = c.by_district(d[~ret]), c.by_district(d[ret])
    cr_a, cr_r = c.by_district(d[~ret], credit[~ret]), c.by_district(d[ret], credit[ret])
    sp, bal = c.by_district(d, spent), c.by_district(d, c.cents(f["balance_end"]))
    rows = []
    for code, name in c.current_districts():
        rows.append({"district_code": code, "district_name": name, "insured_active": ins_a.get(code, 0),
                     "insured_retired": ins_r.get(code, 0), "credit_active": cr_a.get(code, 0) / 100,
                     "credit_retired": cr_r.get(code, 0) / 100, "spent": sp.get(code, 0) / 100,
                     "balance_end": bal.get(code, 0) / 100})
    return {"medical_account": rows}
