"""失业人员登记 (registered unemployed persons): a stock of registrations kept in world.state.

Each month some registrations end (就业 found a job / 注销 other reasons), and new ones come in: part of the
employees who left work this month (world.people state 3, with their ID number, name and former employer)
plus others (graduates, rural-to-urban, veterans, ... made here). The file is the register as of the 25th:
every open registration plus those that ended this month.

Scale 1.0: about 125 thousand registered (Beijing 100–150 thousand, est.), ≈ 20 thousand in and out a month,
so the urban registered unemployment rate registered ÷ (employed + registered) is about 1 %.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import Population, month_to_date
from synth.sources._hr_common import (
    NAT,
    concat,
    d8,
    district_table,
    new_people,
    pick,
    pid12,
    take,
    world_persons,
    zfill,
    zid,
)

SOURCE = "unemployed_registry"

STOCK_AT_SCALE_1 = 125_000
P_EXIT = 0.16                 # monthly: mean registration ≈ 6 months
P_EXIT_TO_JOB = 0.72          # of exits: found work (status 2); the rest cancelled (status 3)
P_LEAVER_REGISTERS = 0.23     # of employees who left work this month
OTHERS_AT_SCALE_1 = 8_000     # registrations a month not coming from insured employment
CUTOFF_DAY = 24               # the file is extracted on the 25th

EDUCATION = ["10", "20", "30", "40", "50", "60", "70", "80"]
EDUCATION_SHARE = [3, 22, 25, 12, 5, 15, 15, 3]
OTHER_REASONS = ["05", "06", "07", "08", "09", "99"]
OTHER_REASON_SHARE = [35, 8, 6, 2, 25, 24]
LEAVER_REASONS = ["01", "02", "03", "04"]
LEAVER_REASON_SHARE = [35, 30, 28, 7]
PERSON_ID_BASE = 900_000_000_000  # own persons (never in the employee population): 9xxxxxxxxxxx


def _registrations(rng, persons: dict, reason: np.ndarray, credit: np.ndarray, reg_date: np.ndarray,
                   first_reg: int, first_pid: int | None) -> dict:
    """Registration records for `persons` (dict of identity arrays) — all open (status 1)."""
    n = len(reason)
    graduate = reason == "05"
    edu = pick(rng, EDUCATION, EDUCATION_SHARE, n)
    edu = np.where(graduate, pick(rng, ["10", "20", "30"], [15, 55, 30], n), edu)
    edu = np.where(rng.random(n) < 0.03, "", edu)
    age = (reg_date - persons["birth"]).astype(np.int64) / 365.25
    from_job = np.isin(reason, LEAVER_REASONS)
    phone = np.char.add("1", zfill(rng.integers(3_000_000_000, 9_999_999_999, n).astype(str), 10))
    pid = persons["pid"] if first_pid is None else np.arange(first_pid, first_pid + n) + PERSON_ID_BASE
    return {
        "reg_no": np.arange(first_reg, first_reg + n), "pid": pid12(pid), "idno": persons["idno"],
        "name": persons["name"], "gender": persons["gender"], "birth": persons["birth"],
        "hukou": persons["hukou"], "education": edu.astype("U2"), "district": persons["district"],
        "reg_date": reg_date, "reason": reason.astype("U2"), "credit": credit.astype("U18"),
        "benefit": np.where(from_job & (rng.random(n) < 0.62), "1", "0"),
        "hard": np.where(rng.random(n) < np.where(age >= 45, 0.35, 0.08), "1", "0"),
        "status": np.full(n, "1"), "end": np.full(n, NAT, dtype="datetime64[D]"),
        "phone": np.where(rng.random(n) < 0.92, phone, ""),
    }


def _others(world, rng, n: int, reg_date: np.ndarray, state: dict) -> dict:
    """Registrants not coming from the employee population."""
    reason = pick(rng, OTHER_REASONS, OTHER_REASON_SHARE, n)
    graduate = reason == "05"
    ppl = new_people(rng, n, np.datetime64(reg_date.max() if n else "2000-01-01", "D"), age_lo=18, age_hi=58,
                     age_mean=37, age_sd=11, hukou_share=(78, 22, 0, 0))  # registration needs Beijing hukou
    young = new_people(rng, n, np.datetime64(reg_date.max() if n else "2000-01-01", "D"), age_lo=21, age_hi=26,
                       age_mean=23, age_sd=1.5, hukou_share=(95, 5, 0, 0), district=ppl["district"])
    ppl = {k: np.where(graduate, young[k], v) for k, v in ppl.items()}
    rec = _registrations(rng, ppl, reason, np.full(n, "", "U18"), reg_date, state["next_reg"], state["next_pid"])
    state["next_reg"] += n
    state["next_pid"] += n
    return rec


def _initial(world, rng, month: str, state: dict) -> dict:
    """The register before the first generated month: durations roughly geometric (≤ 3 years)."""
    n = max(30, round(STOCK_AT_SCALE_1 * world.scale))
    months_ago = np.minimum(rng.geometric(P_EXIT, n), 36)
    reg_date = month_to_date(month_index(month) - months_ago, 1) + rng.integers(0, 28, n)
    rec = _others(world, rng, n, reg_date, state)
    # About half of the stock came from insured jobs: give them a job-loss reason and a former employer.
    u = world.people.units
    from_job = rng.random(n) < 0.55
    rec["reason"] = np.where(from_job, pick(rng, LEAVER_REASONS, LEAVER_REASON_SHARE, n), rec["reason"])
    rec["credit"] = np.where(from_job, u["credit"][rng.integers(0, len(u["credit"]), n)], "").astype("U18")
    rec["benefit"] = np.where(from_job & (months_ago <= 24) & (rng.random(n) < 0.6), "1", "0")
    return rec


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    rng = world.rng(SOURCE, month)
    state = world.state.setdefault(SOURCE, {"next_reg": 1, "next_pid": 1})
    first = month_to_date(month_index(month), 1)
    if "stock" not in state:
        state["stock"] = _initial(world, world.rng(SOURCE + "/init", month), month, state)
    stock = state["stock"]
    stock = take(stock, stock["status"] == "1")  # ended last month: gone from the register

    # Exits: found work or cancelled, on a day up to the extraction date.
    n = len(stock["status"])
    leaving = rng.random(n) < P_EXIT
    k = int(leaving.sum())
    stock["status"][leaving] = np.where(rng.random(k) < P_EXIT_TO_JOB, "2", "3")
    stock["end"][leaving] = first + rng.integers(0, CUTOFF_DAY, k)

    # New registrations: employees who left work this month, and others.
    pop = world.people
    left = np.flatnonzero(pop.p["state"] == Population.LEFT)
    left = left[rng.random(len(left)) < P_LEAVER_REGISTERS]
    wp = world_persons(world, left)
    reg = first + rng.integers(0, CUTOFF_DAY, len(left))
    reason = pick(rng, LEAVER_REASONS, LEAVER_REASON_SHARE, len(left))
    credit = pop.units["credit"][pop.p["unit"][left]]
    from_world = _registrations(rng, wp, reason, credit, reg, state["next_reg"], None)
    state["next_reg"] += len(left)
    n_other = max(1, int(rng.poisson(OTHERS_AT_SCALE_1 * world.scale)))
    others = _others(world, rng, n_other, first + rng.integers(0, CUTOFF_DAY, n_other), state)
    stock = concat([stock, from_world, others])
    state["stock"] = stock

    s = stock
    out = {
        "data_month": np.full(len(s["status"]), month), "reg_id": np.char.add(np.char.add("SY", d8(s["reg_date"]).astype("U4")),
                                                            zid("", s["reg_no"], 8)),
        "person_id": s["pid"], "id_number": s["idno"], "person_name": s["name"], "gender": s["gender"],
        "birth_date": d8(s["birth"]), "hukou_type": s["hukou"], "education": s["education"],
        "district_code": s["district"], "reg_date": d8(s["reg_date"]), "unemployment_reason": s["reason"],
        "last_unit_credit_code": s["credit"], "benefit_flag": s["benefit"], "hard_to_employ": s["hard"],
        "reg_status": s["status"], "end_date": d8(s["end"]), "phone": s["phone"]}
    return {"unemployed_registry_person": out}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    f = files["unemployed_registry_person"]
    month = f["data_month"][0] if len(f["data_month"]) else ""
    open_ = f["reg_status"] == "1"
    return {"unemployed_registry": district_table(f["district_code"], {
        "registered": open_,
        "new_registrations": np.char.startswith(f["reg_date"], month),
        "to_employment": f["reg_status"] == "2",
        "cancelled": f["reg_status"] == "3",
        "benefit_receivers": open_ & (f["benefit_flag"] == "1"),
        "hard_to_employ": open_ & (f["hard_to_employ"] == "1")})}
