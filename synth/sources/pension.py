"""Enterprise employee pension (企业职工养老保险) files for one month, from the population state.

Each function returns the file's columns (in spec order) as arrays of already formatted strings.
"""
from __future__ import annotations

import csv

import numpy as np

from foundation import settings
from foundation.months import first_day, month_str
from synth.blocks import RowBlocks
from synth.population import Population, month_to_date
from synth.sources._emp_common import dates, zfill_bytes  # ASCII bytes: a byte a digit

SOURCE = "pension"

EMPLOYER_RATE = 0.16
EMPLOYEE_RATE = 0.08


def base_limits(yyyymm: str) -> tuple[float, float]:
    """Contribution-base limits in force in a month, from the caliber seed."""
    day = first_day(yyyymm).isoformat()
    with (settings.SEEDS / "caliber" / "caliber_contribution_base.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["effective_from"] <= day <= row["effective_to"]:
                return float(row["base_lower"]), float(row["base_upper"])
    raise ValueError(f"no contribution-base limits for {yyyymm} in caliber_contribution_base.csv")


CHUNK = 1_000_000  # values formatted at a time (bounds the Python strings alive at once)


def _d(values: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYYMMDD' as ASCII bytes (dtype S8, b'' for NaT): 8 bytes a value, a quarter of str."""
    return dates(values)   # from integer year / month / day: no 10-character text of every date on the way


def _money(values: np.ndarray) -> np.ndarray:
    """Amounts → 'x.yy' as ASCII bytes (dtype S): a few bytes a value instead of a Python string object."""
    v = np.round(values, 2)
    if not len(v):
        return np.empty(0, dtype="S4")
    return np.concatenate([np.array([f"{x:.2f}" for x in v[i:i + CHUNK].tolist()], dtype="S")
                           for i in range(0, len(v), CHUNK)])


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """dict(zip(keys, values)).get(q, '') for every q of `query`, vectorised (sorted keys, binary search; the last
    of equal keys wins, as in the dict) instead of a Python dict of every person."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    pos = np.maximum(np.searchsorted(sk, query, side="right") - 1, 0)
    hit = (np.searchsorted(sk, query, side="right") > 0) & (sk[pos] == query) if len(sk) else np.zeros(len(query), bool)
    return np.where(hit, values[order][pos] if len(sk) else "", "")


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pop: Population = world.people
    assert month_str(pop.month) == month
    rng = world.rng(SOURCE, month)
    p, u = pop.p, pop.units
    st = p["state"]
    out: dict[str, dict[str, np.ndarray]] = {}

    # Units: every unit alive this month, plus those that closed this month (status 3).
    alive = u["alive"].copy()
    alive[events["closing_units"]] = True
    ui = np.flatnonzero(alive)
    staff = np.bincount(p["unit"][np.isin(st, [1, 2])], minlength=len(u["uid"]))
    status = np.where(u["alive"][ui], "1", "3")
    out["ent_pension_unit"] = {
        "data_month": np.full(len(ui), month.encode()), "unit_id": zfill_bytes(u["uid"][ui], 10),
        "credit_code": u["credit"][ui], "unit_name": u["name"][ui].astype(str), "district_code": u["district"][ui],
        "industry_section": u["industry"][ui],
        "industry_division": u["division"][ui], "economic_type": u["econ"][ui], "open_date": _d(u["open"][ui]),
        "unit_status": status, "staff_count": staff[ui].astype(str)}

    # Persons: active and suspended insured, and those who left this month (status 3 终止参保).
    pi = np.flatnonzero(np.isin(st, [Population.ACTIVE, Population.SUSPENDED, Population.LEFT]))
    unit = p["unit"][pi]
    mon = month.encode()

    # The person and retiree files are formatted a block of rows at a time while they are written (synth.blocks);
    # the columns the check table reads are whole.
    def persons(b0: int, b1: int) -> dict:
        i = pi[b0:b1]
        return {"data_month": np.full(b1 - b0, mon), "id_number": p["idno"][i], "person_name": p["name"][i].astype(str),
                "gender": p["gender"][i], "birth_date": _d(p["birth"][i]), "hukou_type": p["hukou"][i],
                "unit_id": zfill_bytes(u["uid"][p["unit"][i]], 10), "first_insured_date": _d(p["first"][i]),
                "phone": p["phone"][i]}

    out["ent_pension_person"] = {
        **RowBlocks(len(pi), persons).columns(("data_month", "id_number", "person_name", "gender", "birth_date",
                                               "hukou_type", "unit_id", "first_insured_date", "phone")),
        "person_id": zfill_bytes(p["pid"][pi], 12), "district_code": u["district"][unit],
        "insured_status": np.where(st[pi] == Population.LEFT, "3", st[pi].astype(str))}
    del unit

    # Contributions: everyone paying this month; some who resumed also pay last month's arrears.
    ci = np.flatnonzero(st == Population.ACTIVE)
    resumed = events["resumed"]
    arrears = resumed[(st[resumed] == Population.ACTIVE) & (rng.random(len(resumed)) < 0.5)]
    rows = np.concatenate([ci, arrears])
    base = pop.clip_base(p["wage"][rows])
    paid = month_to_date(pop.month, 1) + rng.integers(4, 25, size=len(rows))
    n_current, prev = len(ci), month_str(pop.month - 1)

    def contributions(b0: int, b1: int) -> dict:
        return {"data_month": np.full(b1 - b0, mon), "unit_id": zfill_bytes(u["uid"][p["unit"][rows[b0:b1]]], 10),
                "fee_month": np.where(np.arange(b0, b1) < n_current, month, prev),
                "contribution_base": _money(base[b0:b1]), "paid_date": _d(paid[b0:b1])}

    out["ent_pension_contribution"] = {
        **RowBlocks(len(rows), contributions).columns(("data_month", "unit_id", "fee_month", "contribution_base",
                                                       "paid_date")),
        "person_id": zfill_bytes(p["pid"][rows], 12), "employer_amount": _money(base * EMPLOYER_RATE),
        "employee_amount": _money(base * EMPLOYEE_RATE)}

    # Retirees receiving a pension this month (including those who died in it).
    ri = np.flatnonzero(np.isin(st, [Population.RETIRED, Population.DEAD]))

    def retirees(b0: int, b1: int) -> dict:
        i = ri[b0:b1]
        return {"data_month": np.full(b1 - b0, mon), "id_number": p["idno"][i], "person_name": p["name"][i].astype(str),
                "gender": p["gender"][i], "birth_date": _d(p["birth"][i]), "retire_date": _d(p["retire_date"][i]),
                "retire_type": p["retire_type"][i], "contribution_months": p["months"][i].astype(str),
                "monthly_pension": _money(p["pension"][i])}

    out["ent_pension_retiree"] = {
        **RowBlocks(len(ri), retirees).columns(("data_month", "id_number", "person_name", "gender", "birth_date",
                                                "retire_date", "retire_type", "contribution_months",
                                                "monthly_pension")),
        "person_id": zfill_bytes(p["pid"][ri], 12), "district_code": p["retire_district"][ri]}

    # Payments: basic pension for every retiree; funeral grant for those who died.
    died = ri[st[ri] == Population.DEAD]
    pay_rows = np.concatenate([ri, died])
    amount = np.concatenate([p["pension"][ri], np.round(p["pension"][died] * 2 + 5000, 2)])
    pay_day = month_to_date(pop.month, 15)

    def payments(b0: int, b1: int) -> dict:
        return {"data_month": np.full(b1 - b0, mon), "payment_item": np.where(np.arange(b0, b1) < len(ri), "01", "03"),
                "paid_date": _d(np.full(b1 - b0, pay_day))}

    out["ent_pension_payment"] = {
        **RowBlocks(len(pay_rows), payments).columns(("data_month", "payment_item", "paid_date")),
        "person_id": zfill_bytes(p["pid"][pay_rows], 12), "amount": _money(amount)}
    if getattr(world, "cross_anomalies", False):   # cross_source reads and changes the files: whole columns
        out = {name: {k: np.asarray(v) for k, v in cols.items()} for name, cols in out.items()}
    return out


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    return {"pension": _check_table(files)}


def _check_table(files: dict[str, dict[str, np.ndarray]]) -> list[dict]:
    """The provider's 数据核对表: per-district totals computed from the same rows it delivers."""
    from foundation.spec import code_table

    districts = [c for c, r in code_table("district").items() if r["is_current"] == "true"]
    units = files["ent_pension_unit"]
    persons = files["ent_pension_person"]
    contrib = files["ent_pension_contribution"]
    retirees = files["ent_pension_retiree"]
    pays = files["ent_pension_payment"]
    c_district = _lookup(persons["person_id"], persons["district_code"], contrib["person_id"])
    cents = lambda a: np.round(a.astype(float) * 100).astype(np.int64)  # exact sums, no float drift
    c_amount = cents(contrib["employer_amount"]) + cents(contrib["employee_amount"])
    pay_cents = cents(pays["amount"])
    p_district = _lookup(retirees["person_id"], retirees["district_code"], pays["person_id"])
    names = code_table("district")
    rows = []
    for d in districts:
        active = (persons["district_code"] == d) & np.isin(persons["insured_status"], ["1", "2"])
        rows.append({
            "district_code": d, "district_name": names[d]["name"],
            "units": int(((units["district_code"] == d) & (units["unit_status"] == "1")).sum()),
            "insured_active": int(active.sum()),
            "insured_retired": int((retirees["district_code"] == d).sum()),
            "contributors": int(len(np.unique(contrib["person_id"][c_district == d]))),
            "contribution_income": int(c_amount[c_district == d].sum()) / 100,
            "pension_paid": int(pay_cents[p_district == d].sum()) / 100})
    return rows
