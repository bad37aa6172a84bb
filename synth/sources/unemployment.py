"""Unemployment insurance (失业保险, insurance type 210) files for one month.

Insured: a stable ≈79 % of the enterprise employees (13.58 ÷ 17.25 million, year-end 2021).
Contributions: employer 0.5 % + employee 0.5 % of the base, for every insured person paying this month.
Benefits (失业保险金): a stock of about 0.5 % of the insured (est.). At the start it is seeded from insured
persons whose contributions are suspended; afterwards new claimants are insured persons who left
this month with at least a year of contributions (take-up ≈21 %, est.) and were not paid last month
(no re-claim without re-employment in between). Payments stop when the
entitlement is used up, the person works (pays) again, retires or dies, or (for those no longer in the
employee population) on re-employment at ≈7 % a month (est.).
农民工一次性生活补助: agricultural-hukou insured who leave after at least a year get a one-off allowance
(take-up ≈30 %, est.) instead of benefits; at least a few a month, topped up from suspended ones.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index, month_str
from synth.population import Population, month_to_date
from synth.sources import _emp_common as c

SOURCE = "unemployment"

EMPLOYER_RATE = 0.005
EMPLOYEE_RATE = 0.005
STOCK_SHARE = 0.005          # benefit recipients ÷ insured (est.)
TAKE_UP = 0.21               # leavers with ≥ 1 year of contributions who claim (est.)
P_REEMPLOYED = 0.07          # monthly exit from benefits of claimants no longer in the population (est.)
MIGRANT_TAKE_UP = 0.30       # agricultural-hukou leavers claiming the one-off allowance (est.)
AGRICULTURAL = ("12", "22")
TIER_STEP = 27.0             # yuan between contribution-year tiers (est.)
TIER1_2024_09 = 2086.0       # first-tier monthly benefit from 2024-09 (est.); -52 yuan per earlier year


def entitled_months(years: np.ndarray) -> np.ndarray:
    """1–2 years 3 months, 2–3 6, 3–4 9, 4–5 12, then one more month per further year, at most 24."""
    y = np.asarray(years)
    return np.where(y < 1, 0, np.where(y < 5, y * 3, np.minimum(24, 12 + (y - 4))))


def benefit_standard(month_idx: int, years: np.ndarray, month_no: np.ndarray) -> np.ndarray:
    """Monthly 失业保险金 by contribution-year tier (<5, 5–10, 10–15, 15–20, ≥20), raised each September;
    from the 13th month on the first tier is paid."""
    offset = (month_idx - month_index("202409")) // 12
    tier1 = TIER1_2024_09 + 52.0 * offset
    tier = np.minimum(np.asarray(years) // 5, 4)
    tier = np.where(np.asarray(month_no) > 12, 0, tier)
    return tier1 + TIER_STEP * tier


def _empty_recipients() -> dict:
    return {"pid": np.empty(0, np.int64), "idno": np.empty(0, "U18"), "name": np.empty(0, "U30"),
            "gender": np.empty(0, "U1"), "district": np.empty(0, "U6"),
            "claim": np.empty(0, "datetime64[D]"), "years": np.empty(0, np.int64),
            "entitled": np.empty(0, np.int64), "month_no": np.empty(0, np.int64)}


def _take(p: dict, u: dict, idx: np.ndarray) -> dict:
    return {"pid": p["pid"][idx], "idno": p["idno"][idx], "name": p["name"][idx].astype(str).astype("U30"),
            "gender": p["gender"][idx], "district": u["district"][p["unit"][idx]]}


def _contribution_file(p: dict, u: dict, rows: np.ndarray, n_current: int, month: str, prev: str, base: np.ndarray,
                       paid: np.ndarray) -> dict:
    """The contributions (rows: the persons paying, the first n_current for this month, the others last month's
    arrears): the columns the check table reads whole, the others formatted a block at a time (synth.blocks)."""
    from synth.blocks import RowBlocks

    def block(b0: int, b1: int) -> dict:
        return {"data_month": c.full(b1 - b0, month), "unit_id": c.uid_str(u["uid"][p["unit"][rows[b0:b1]]]),
                "fee_month": np.where(np.arange(b0, b1) < n_current, month, prev),
                "contribution_base": c.money(base[b0:b1]), "paid_date": c.dates(paid[b0:b1])}

    return {**RowBlocks(len(rows), block).columns(("data_month", "unit_id", "fee_month", "contribution_base",
                                                   "paid_date")),
            "person_id": c.pid_str(p["pid"][rows]), "employer_amount": c.money(base * EMPLOYER_RATE),
            "employee_amount": c.money(base * EMPLOYEE_RATE)}


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pop: Population = world.people
    m = pop.month
    rng = world.rng(SOURCE, month)
    p, u = pop.p, pop.units
    st = p["state"]
    state = world.state.setdefault(SOURCE, {})
    member = c.member_value(p["pid"]) < c.SHARE_UNEMPLOYMENT
    out: dict[str, dict[str, np.ndarray]] = {}

    # ---- insured persons -------------------------------------------------------------------------
    pi = np.flatnonzero(member & np.isin(st, c.WORKING_OR_LEFT))
    out["unemp_insured"] = c.insured_file(p, u, pi, month, hukou=True)
    n_insured = int(np.isin(st[pi], c.WORKING).sum())

    # ---- contributions: everyone paying; half of those who resumed also pay last month's arrears ----
    ci = np.flatnonzero(member & (st == Population.ACTIVE))
    resumed = events.get("resumed", np.empty(0, np.int64))
    resumed = resumed[member[resumed] & (st[resumed] == Population.ACTIVE)]
    arrears = resumed[c.person_hash(p["pid"][resumed], month, 1) < 0.5]
    rows = np.concatenate([ci, arrears])
    base = pop.clip_base(p["wage"][rows])
    out["unemp_contribution"] = _contribution_file(p, u, rows, len(ci), month, month_str(m - 1), base,
                                                   c.day_in_month(m, rng, len(rows), 5, 25))

    # ---- unemployment benefits ----------------------------------------------------------------------
    years_all = p["months"] // 12
    if "recipients" not in state:
        # Opening stock: insured persons whose contributions are suspended and who have paid ≥ 1 year.
        # (Agricultural-hukou workers mostly take the one-off allowance instead.)
        cand = np.flatnonzero(member & (st == Population.SUSPENDED) & (years_all >= 1)
                              & ~np.isin(p["hukou"], AGRICULTURAL))
        n = min(len(cand), max(3, round(STOCK_SHARE * n_insured)))
        pick = np.sort(rng.choice(cand, size=n, replace=False)) if n else cand[:0]
        rec = _take(p, u, pick)
        rec["years"] = years_all[pick]
        rec["entitled"] = entitled_months(rec["years"])
        rec["month_no"] = rng.integers(1, rec["entitled"]) if n else np.empty(0, np.int64)  # months already paid
        rec["claim"] = month_to_date(m - rec["month_no"], 1) + rng.integers(0, 20, size=n)
        already_claiming = rec["pid"]
    else:
        rec = state["recipients"]
        already_claiming = rec["pid"]
        # Who stops: entitlement used up, back at work (paying), retired or died; claimants who left the
        # employee population find work at a monthly rate.
        pos = np.clip(np.searchsorted(p["pid"], rec["pid"]), 0, max(len(p["pid"]) - 1, 0))
        present = p["pid"][pos] == rec["pid"]
        pst = np.where(present, st[pos], 0)
        stop = np.isin(pst, [Population.ACTIVE, Population.RETIRED, Population.DEAD])
        stop |= ~present & (rng.random(len(present)) < P_REEMPLOYED)
        stop |= rec["month_no"] >= rec["entitled"]
        rec = {k: v[~stop] for k, v in rec.items()}
    # New claimants: insured persons who left this month after at least a year of contributions. Not those
    # paid last month, even if their payments stop now: a recipient whose suspended insurance ends (status
    # 2 → 3) has not paid since the claim, so leaving is no new unemployment and gives no new entitlement
    # (a new claim needs re-employment, i.e. a month of contributions, in between). Otherwise a claimant
    # whose entitlement ran out that month would start again at month 1 without ever having been an exit.
    leavers = np.flatnonzero(member & (st == Population.LEFT) & (years_all >= 1)
                             & ~np.isin(p["pid"], already_claiming))
    agri = np.isin(p["hukou"][leavers], AGRICULTURAL)
    r = rng.random(len(leavers))
    new = leavers[~agri & (r < TAKE_UP)]
    migrants = leavers[agri & (r < MIGRANT_TAKE_UP)]
    fresh = _take(p, u, new)
    fresh["years"] = years_all[new]
    fresh["entitled"] = entitled_months(fresh["years"])
    fresh["month_no"] = np.zeros(len(new), np.int64)
    fresh["claim"] = c.day_in_month(m, rng, len(new), 1, 20)
    rec = {k: np.concatenate([rec[k], fresh[k]]) for k in rec}
    rec["month_no"] = rec["month_no"] + 1
    state["recipients"] = rec
    n_rec = len(rec["pid"])
    amount = benefit_standard(m, rec["years"], rec["month_no"])
    out["unemp_benefit"] = {
        "data_month": c.full(n_rec, month), "person_id": c.pid_str(rec["pid"]), "id_number": rec["idno"],
        "person_name": rec["name"], "gender": rec["gender"], "district_code": c.district_str(rec["district"]),
        "claim_date": c.dates(rec["claim"]), "contribution_years": c.ints(np.minimum(rec["years"], 99)),
        "entitled_months": c.ints(rec["entitled"]), "month_no": c.ints(rec["month_no"]),
        "amount": c.money(amount), "paid_date": c.dates(np.full(n_rec, month_to_date(m, 25)))}

    # ---- 农民工一次性生活补助 ---------------------------------------------------------------------------
    paid_before = state.get("allowance_paid", np.empty(0, np.int64))
    migrants = migrants[~np.isin(p["pid"][migrants], paid_before)]
    end_date = c.day_in_month(m, rng, len(migrants), 1, 28)
    if len(migrants) < 2:
        # Top up (matters at tiny scales only): other agricultural-hukou leavers of this month first, then
        # agricultural-hukou insured whose contributions are suspended (their contract ended earlier).
        pool = np.flatnonzero(member & np.isin(st, [Population.LEFT, Population.SUSPENDED])
                              & np.isin(p["hukou"], AGRICULTURAL) & (years_all >= 1)
                              & ~np.isin(p["pid"], paid_before) & ~np.isin(p["pid"], rec["pid"]))
        pool = pool[~np.isin(pool, migrants)]
        pool = pool[np.argsort(st[pool] != Population.LEFT, kind="stable")]
        extra = pool[: 2 - len(migrants)]
        migrants = np.concatenate([migrants, extra])
        end_date = np.concatenate([end_date, np.where(
            st[extra] == Population.LEFT, c.day_in_month(m, rng, len(extra), 1, 28),
            month_to_date(m, 1) - rng.integers(1, 60, size=len(extra)))])
    state["allowance_paid"] = np.concatenate([paid_before, p["pid"][migrants]])
    service = np.minimum(p["months"][migrants], 999)
    a_months = np.clip(service // 12, 1, 12)
    tier1 = benefit_standard(m, np.zeros(len(migrants), np.int64), np.ones(len(migrants), np.int64))
    n_mig = len(migrants)
    out["unemp_migrant_allowance"] = {
        "data_month": c.full(n_mig, month), "person_id": c.pid_str(p["pid"][migrants]),
        "id_number": p["idno"][migrants], "person_name": p["name"][migrants].astype(str),
        "hukou_type": p["hukou"][migrants], "unit_id": c.uid_str(u["uid"][p["unit"][migrants]]),
        "district_code": c.district_str(u["district"], p["unit"][migrants]), "contract_end_date": c.dates(end_date),
        "service_months": c.ints(service), "allowance_months": c.ints(a_months),
        "amount": c.money(a_months * tier1 * 0.5), "paid_date": c.dates(np.full(n_mig, month_to_date(m, 25)))}
    return out


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    ins, con = files["unemp_insured"], files["unemp_contribution"]
    ben, mig = files["unemp_benefit"], files["unemp_migrant_allowance"]
    ins_d = c.as_int(ins["district_code"])
    insured = c.by_district(ins_d[(ins["insured_status"] == "1") | (ins["insured_status"] == "2")])
    con_d = c.lookup(c.as_int(con["person_id"]), c.as_int(ins["person_id"]), ins_d)
    contributors = c.distinct_by_district(con_d, con["person_id"])
    income = c.by_district(con_d, c.cents(con["employer_amount"]) + c.cents(con["employee_amount"]))
    ben_d = c.as_int(ben["district_code"])
    recipients = c.by_district(ben_d)
    new = c.by_district(ben_d[ben["month_no"] == "1"])
    paid = c.by_district(ben_d, c.cents(ben["amount"]))
    mig_n = c.by_district(mig["district_code"])
    mig_paid = c.by_district(mig["district_code"], c.cents(mig["amount"]))
    rows = []
    for code, name in c.current_districts():
        rows.append({"district_code": code, "district_name": name, "insured": insured.get(code, 0),
                     "contributors": contributors.get(code, 0),
                     "contribution_income": income.get(code, 0) / 100,
                     "benefit_recipients": recipients.get(code, 0), "new_claimants": new.get(code, 0),
                     "benefit_paid": paid.get(code, 0) / 100, "allowance_recipients": mig_n.get(code, 0),
                     "allowance_paid": mig_paid.get(code, 0) / 100})
    return {"unemployment": rows}
