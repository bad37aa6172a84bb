"""劳动人事争议仲裁 (labour and personnel dispute arbitration): one row per case handled in the month.

A stock of open cases lives in world.state: each accepted case gets its closing method and date when it is
accepted (mediated cases close within days, awards within the 45 + 15 day limit), so cases carried over close in a
later month. Applicants are persons of the employee population (employed or just left), the respondent their
employer; the arbitration committee is the employer's district.

Scale 1.0 (Beijing 2023): 135 thousand cases accepted a year, closure rate closed ÷ (carried over + accepted)
97.5 % over the year, mediation rate mediated ÷ closed 65.6 %.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index, month_str
from synth.population import Population, district_choice, month_to_date
from synth.sources._hr_common import NAT, concat, d8, days_in, district_table, ints, money, pick, take, zfill

SOURCE = "arbitration"

ACCEPTED_A_YEAR_AT_SCALE_1 = 135_000
SEASON = np.array([1.1, 0.8, 1.15, 1.0, 1.0, 1.0, 1.05, 1.0, 0.95, 0.85, 1.0, 1.1])
SEASON = SEASON / SEASON.mean()

CAUSES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "99"]
CAUSE_SHARE = [42, 18, 9, 9, 4, 8, 2, 1, 2, 5]
METHODS = np.array(["1", "2", "3", "4"])
METHOD_SHARE = [0.656, 0.26, 0.07, 0.014]
# Days from acceptance to closing by method: offset + exponential(mean), capped.
DURATION = {"1": (1, 3.0), "2": (15, 10.0), "3": (1, 4.0), "4": (3, 8.0)}
MAX_DAYS = 60
P_COLLECTIVE = 0.015


def _accept(world, rng, month: str, state: dict) -> dict:
    """Cases accepted in `month`, each with its (future) closing date and method."""
    n = max(3, int(rng.poisson(ACCEPTED_A_YEAR_AT_SCALE_1 / 12 * world.scale * SEASON[int(month[4:]) - 1])))
    pop = world.people
    p, u = pop.p, pop.units
    cand = np.flatnonzero(np.isin(p["state"], [Population.ACTIVE, Population.SUSPENDED, Population.LEFT]))
    # Those who just left are far more likely to bring a case.
    w = np.where(p["state"][cand] == Population.LEFT, 40.0, 1.0)
    who = district_choice(rng, cand, u["district"][p["unit"][cand]], n, w)   # stratified by district
    unit = p["unit"][who]
    accept = days_in(rng, month, n, weekday_weight=25.0)
    method = pick(rng, METHODS, METHOD_SHARE, n)
    offset = np.select([method == m for m in DURATION], [DURATION[m][0] for m in DURATION])
    mean = np.select([method == m for m in DURATION], [DURATION[m][1] for m in DURATION])
    days = np.minimum(offset + rng.exponential(mean), MAX_DAYS).astype(np.int64)
    collective = rng.random(n) < P_COLLECTIVE
    workers = np.where(collective, np.minimum(10 + rng.geometric(1 / 25, n), 500),
                       np.where(rng.random(n) < 0.9, 1, rng.integers(2, 10, n)))
    cause = pick(rng, CAUSES, CAUSE_SHARE, n)
    claimed = np.round(np.exp(rng.normal(np.log(25_000), 1.1, n)) * np.where(collective, workers * 0.6, 1), 2)
    claimed = np.where((cause == "06") & (rng.random(n) < 0.5), 0.0, np.minimum(claimed, 9e11))
    settled = np.where(method == "1", claimed * rng.uniform(0.4, 0.9, n),
                       np.where(method == "2", claimed * rng.choice([0.0, 1.0], n, p=[0.2, 0.8]) *
                                rng.uniform(0.3, 1.0, n), np.nan))
    district = u["district"][unit]
    seq = np.arange(state["next_case"], state["next_case"] + n)
    state["next_case"] += n
    case_id = np.char.add(np.char.add(np.char.add("LZ", district), month[:4]),
                          zfill(seq.astype(str), 8))
    return {"case_id": case_id.astype("U20"), "district": district.astype("U6"), "accept": accept,
            "cause": cause.astype("U2"), "collective": np.where(collective, "1", "0"), "workers": workers,
            "idno": p["idno"][who].astype("U18"), "name": p["name"][who].astype("U30"),
            "credit": u["credit"][unit].astype("U18"), "unit_name": u["name"][unit].astype("U100"),
            "claimed": claimed, "close": accept + days, "method": method.astype("U1"), "settled": settled}


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    rng = world.rng(SOURCE, month)
    state = world.state.setdefault(SOURCE, {"next_case": 1})
    first = month_to_date(month_index(month), 1)
    end = month_to_date(month_index(month) + 1, 1)  # first day of next month
    if "open" not in state:
        # Burn in: cases accepted in the three months before the first generated month, still open.
        init = world.rng(SOURCE + "/init", month)
        earlier = [_accept(world, init, month_str(month_index(month) - k), state) for k in (3, 2, 1)]
        carried = concat(earlier)
        state["open"] = take(carried, carried["close"] >= first)
    carried = state["open"]
    new = _accept(world, rng, month, state)
    cases = concat([carried, new])
    n_carried = len(carried["case_id"])
    closed = cases["close"] < end
    state["open"] = take(cases, ~closed)

    n = len(closed)
    origin = np.where(np.arange(n) < n_carried, "1", "2")
    out = {
        "data_month": np.full(n, month), "case_id": cases["case_id"], "district_code": cases["district"],
        "case_origin": origin, "accept_date": d8(cases["accept"]), "cause_code": cases["cause"],
        "collective_flag": cases["collective"], "workers_involved": ints(cases["workers"]),
        "applicant_id_number": cases["idno"], "applicant_name": cases["name"],
        "employer_credit_code": cases["credit"], "employer_name": cases["unit_name"],
        "amount_claimed": money(cases["claimed"]), "case_closed": np.where(closed, "1", "0"),
        "close_date": d8(np.where(closed, cases["close"], NAT)), "closing_method": np.where(closed, cases["method"], ""),
        "amount_settled": np.where(closed & ~np.isnan(cases["settled"]), money(np.nan_to_num(cases["settled"])), "")}
    return {"arbitration_case": out}


def rates(f: dict[str, np.ndarray]) -> dict[str, float]:
    """Closure rate closed ÷ (carried over + accepted) and mediation rate mediated ÷ closed, from a file."""
    closed = f["case_closed"] == "1"
    return {"closure_rate": closed.sum() / max(1, len(closed)),
            "mediation_rate": (f["closing_method"] == "1").sum() / max(1, closed.sum())}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    f = files["arbitration_case"]
    return {"arbitration": district_table(f["district_code"], {
        "carried_over": f["case_origin"] == "1",
        "accepted": f["case_origin"] == "2",
        "closed": f["case_closed"] == "1",
        "mediated": f["closing_method"] == "1",
        "awarded": f["closing_method"] == "2",
        "withdrawn": f["closing_method"] == "3",
        "collective_cases": f["collective_flag"] == "1",
        "workers_involved": f["workers_involved"].astype(np.int64),
        "amount_claimed": f["amount_claimed"]}, money_cols=("amount_claimed",))}
