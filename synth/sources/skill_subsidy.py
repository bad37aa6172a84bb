"""技能提升补贴 (个人补贴花名册 and 企业补贴资金申请, monthly): insured employees who obtained a vocational skill
certificate in the month are paid the individual subsidy (1000 / 1500 / 2000 yuan by level); their employers
apply for the enterprise subsidy for the staff they trained (600 yuan per trainee, est.).
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import Population, month_to_date
from synth.sources._emp_common import dates, money, person_hash

SOURCE = "skill_subsidy"
ORDER = 1
LEVEL_AMOUNT = {"3": 2000.0, "4": 1500.0, "5": 1000.0}


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    m = month_index(month)
    rng = world.rng(SOURCE, month)
    pop: Population = world.people
    p, u = pop.p, pop.units
    idx = np.flatnonzero((p["state"] == Population.ACTIVE) & (person_hash(p["pid"], month, 41) < 0.003))
    n = len(idx)
    level = np.array(["3", "4", "5"])[rng.choice(3, size=n, p=[0.2, 0.35, 0.45])]
    amount = np.array([LEVEL_AMOUNT[x] for x in level]) if n else np.zeros(0)
    cert = month_to_date(m, 1) + rng.integers(0, 28, n)
    out = {"skill_subsidy_person": {
        "data_month": np.full(n, month), "id_number": p["idno"][idx], "person_name": p["name"][idx].astype(str),
        "credit_code": u["credit"][p["unit"][idx]], "skill_level": level,
        "certificate_no": np.char.add(np.char.add("ZS", month), np.char.zfill(np.arange(1, n + 1).astype(str), 6)),
        "certificate_date": dates(cert), "subsidy_amount": money(amount)}}
    units, trainees = np.unique(p["unit"][idx], return_counts=True)
    k = len(units)
    out["skill_subsidy_unit"] = {
        "data_month": np.full(k, month), "credit_code": u["credit"][units], "unit_name": u["name"][units].astype(str),
        "trainees": trainees.astype(str), "apply_amount": money(trainees * 600.0),
        "apply_date": dates(month_to_date(m, 1) + rng.integers(0, 28, k))}
    return out


def check_tables(files) -> dict:
    return {}
