"""Maternity insurance (生育保险, insurance type 510) files for one month.

Insured: a stable ≈63 % of the enterprise employees (10.83 ÷ 17.25 million, year-end 2021).
Contributions: employer only, 0.8 % of the payroll of its paying insured, per unit.
Benefits: about 150 thousand births a year at scale 1 (est.), mothers drawn from insured women aged
20–45 who are paying (most births at 28–35), none twice within 15 months. Each birth gets 生育津贴
(the unit's average contribution base ÷ 30 × days: 98 days of maternity leave + 60 days of Beijing's
incentive leave, +15 for a caesarean or assisted delivery, +15 per additional baby) and 分娩住院医疗费,
three in four also 产前检查医疗费; paid 10–100 days after the birth. About 30 thousand family-planning
operations a year (est.) are paid as 计划生育手术医疗费.
"""
from __future__ import annotations

import numpy as np

from synth.population import Population, district_choice, month_to_date
from synth.sources import _emp_common as c

SOURCE = "maternity"

EMPLOYER_RATE = 0.008
BIRTHS_PER_MONTH = 150_000 / 12          # at scale 1 (est.)
OPERATIONS_PER_MONTH = 30_000 / 12       # family-planning operations at scale 1 (est.)
BASE_DAYS = 98 + 60
DELIVERY = np.array(["1", "2", "3"])
DELIVERY_P = [0.55, 0.40, 0.05]


def _unit_mean_base(pop: Population, payers: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nu = len(pop.units["uid"])
    head = np.bincount(pop.p["unit"][payers], minlength=nu)
    payroll = np.bincount(pop.p["unit"][payers], weights=base, minlength=nu)
    return head, payroll, np.round(payroll / np.maximum(head, 1), 2)


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pop: Population = world.people
    m = pop.month
    rng = world.rng(SOURCE, month)
    p, u = pop.p, pop.units
    st = p["state"]
    state = world.state.setdefault(SOURCE, {})
    member = c.member_value(p["pid"]) < c.SHARE_MATERNITY
    out: dict[str, dict[str, np.ndarray]] = {}

    pi = np.flatnonzero(member & np.isin(st, c.WORKING_OR_LEFT))
    out["maternity_insured"] = c.insured_file(p, u, pi, month)

    payers = np.flatnonzero(member & (st == Population.ACTIVE))
    head, payroll, mean_base = _unit_mean_base(pop, payers, pop.clip_base(p["wage"][payers]))
    ui = np.flatnonzero(head > 0)
    out["maternity_unit_contribution"] = {
        "data_month": c.full(len(ui), month), "unit_id": c.uid_str(u["uid"][ui]), "credit_code": u["credit"][ui],
        "unit_name": u["name"][ui].astype(str), "district_code": c.district_str(u["district"], ui),
        "fee_month": c.full(len(ui), month), "insured_count": c.ints(head[ui]), "payroll_base": c.money(payroll[ui]),
        "rate": np.full(len(ui), f"{EMPLOYER_RATE:.4f}"), "amount": c.money(payroll[ui] * EMPLOYER_RATE),
        "paid_date": c.dates(c.day_in_month(m, rng, len(ui), 5, 25))}

    # ---- births ---------------------------------------------------------------------------------------
    recent_pid = state.get("recent_pid", np.empty(0, np.int64))
    recent_month = state.get("recent_month", np.empty(0, np.int64))
    keep = recent_month > m - 15
    recent_pid, recent_month = recent_pid[keep], recent_month[keep]
    age = c.age_years(p["birth"][payers], m)
    cand = payers[(p["gender"][payers] == "2") & (age >= 20) & (age <= 45)]
    cand = cand[~np.isin(p["pid"][cand], recent_pid)]
    a = c.age_years(p["birth"][cand], m) + 0.5
    w = np.exp(-0.5 * ((a - 31.5) / 4.5) ** 2)
    n = min(len(cand), max(5, int(rng.poisson(BIRTHS_PER_MONTH * world.scale))))
    # stratified by district (see district_choice): no district loses a month of births by chance
    mothers = np.sort(district_choice(rng, cand, u["district"][p["unit"][cand]], n, w, replace=False))
    n = len(mothers)
    state["recent_pid"] = np.concatenate([recent_pid, p["pid"][mothers]])
    state["recent_month"] = np.concatenate([recent_month, np.full(n, m)])
    born = month_to_date(m, 1) - rng.integers(10, 100, size=n)
    delivery = DELIVERY[rng.choice(3, size=n, p=DELIVERY_P)]
    babies = np.where(rng.random(n) < 0.975, 1, np.where(rng.random(n) < 0.96, 2, 3))
    days = BASE_DAYS + 15 * (delivery != "1") + 15 * (babies - 1)
    base = mean_base[p["unit"][mothers]]
    prenatal = mothers[rng.random(n) < 0.75]
    pos = np.searchsorted(mothers, prenatal)
    hospital = np.where(delivery == "1", rng.normal(3800, 600, size=n),
                        np.where(delivery == "2", rng.normal(6200, 900, size=n), rng.normal(5000, 800, size=n)))

    # ---- family-planning operations ----------------------------------------------------------------
    age_all = c.age_years(p["birth"][payers], m)
    fp_cand = payers[(age_all >= 20) & (age_all <= 50) & ~np.isin(payers, mothers)
                     & ((p["gender"][payers] == "2") | (c.person_hash(p["pid"][payers], month, 7) < 0.03))]
    k = min(len(fp_cand), max(1, int(rng.poisson(OPERATIONS_PER_MONTH * world.scale))))
    ops = np.sort(rng.choice(fp_cand, size=k, replace=False)) if k else fp_cand[:0]

    who = np.concatenate([mothers, prenatal, mothers, ops])
    item = np.concatenate([np.full(n, "01"), np.full(len(prenatal), "02"), np.full(n, "03"), np.full(k, "04")])
    event = np.concatenate([born, born[pos], born, month_to_date(m, 1) - rng.integers(5, 60, size=k)])
    dtype_ = np.concatenate([delivery, delivery[pos], delivery, np.full(k, "")])
    bab = np.concatenate([c.ints(babies), c.ints(babies[pos]), c.ints(babies), np.full(k, "")])
    allowance = base / 30 * days
    amount = np.concatenate([allowance, np.clip(rng.normal(1400, 250, size=len(prenatal)), 600, 2500),
                             np.clip(hospital, 1500, 12000),
                             np.clip(np.exp(rng.normal(np.log(900), 0.5, size=k)), 150, 6000)])
    nw = len(who)
    out["maternity_benefit"] = {
        "data_month": c.full(nw, month), "person_id": c.pid_str(p["pid"][who]), "id_number": p["idno"][who],
        "person_name": p["name"][who].astype(str), "unit_id": c.uid_str(u["uid"][p["unit"][who]]),
        "district_code": u["district"][p["unit"][who]], "benefit_item": item, "event_date": c.dates(event),
        "delivery_type": dtype_, "babies": bab,
        "allowance_days": np.concatenate([c.ints(days), np.full(nw - n, "")]),
        "allowance_base": np.concatenate([c.money(base), np.full(nw - n, "0.00")]),
        "amount": c.money(amount), "paid_date": c.dates(c.day_in_month(m, rng, nw, 10, 28))}
    return out


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    ins, con, ben = files["maternity_insured"], files["maternity_unit_contribution"], files["maternity_benefit"]
    status = ins["insured_status"]
    insured = c.by_district(c.as_int(ins["district_code"])[(status == "1") | (status == "2")])
    units = c.by_district(con["district_code"])
    contributors = c.by_district(con["district_code"], c.as_int(con["insured_count"]))
    income = c.by_district(con["district_code"], c.cents(con["amount"]))
    allow = ben["benefit_item"] == "01"
    cts = c.cents(ben["amount"])
    recipients = c.by_district(ben["district_code"][allow])
    allow_paid = c.by_district(ben["district_code"][allow], cts[allow])
    med_paid = c.by_district(ben["district_code"][~allow], cts[~allow])
    rows = []
    for code, name in c.current_districts():
        a, b = allow_paid.get(code, 0), med_paid.get(code, 0)
        rows.append({"district_code": code, "district_name": name, "insured": insured.get(code, 0),
                     "contributing_units": units.get(code, 0), "contributors": contributors.get(code, 0),
                     "contribution_income": income.get(code, 0) / 100,
                     "allowance_recipients": recipients.get(code, 0), "allowance_paid": a / 100,
                     "medical_paid": b / 100, "benefit_paid": (a + b) / 100})
    return {"maternity": rows}
