"""职业介绍 (job placement at the public employment service): vacancies, job seekers and placements of the
month, extracted on the 25th.

Vacancies are posted by employers of the employee population (credit code, district, industry; the occupation
follows the industry). Seekers are registered unemployed persons (from the unemployed register, when it has
run), employees looking for another job (world.people) and others made here. About half of the seekers are
placed, 70 % of them in their own district, never more than a vacancy's posts.

Scale 1.0: ≈ 45 thousand seekers and ≈ 62 thousand posts a month (vacancy-to-seeker ratio 求人倍率 ≈ 1.4), and
≈ 22 thousand placements a month, in line with 260–280 thousand new urban jobs a year.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import DISTRICTS, Population, district_choice, month_to_date
from synth.sources._hr_common import (
    concat,
    d8,
    days_in,
    district_table,
    ints,
    money,
    new_people,
    pick,
    pid12,
    take,
    world_persons,
    zid,
)

SOURCE = "job_market"

VACANCIES_AT_SCALE_1 = 21_000
SEEKERS_AT_SCALE_1 = 45_000
P_PLACED = 0.5
CUTOFF_DAY = 24
PERSON_ID_BASE = 800_000_000_000  # own persons: 8xxxxxxxxxxx

OCC_BY_INDUSTRY = {
    "A": ["5-01", "5-05"], "B": ["6-30", "2-02"], "C": ["6-02", "6-05", "6-12", "6-18", "6-22", "6-25", "6-31", "2-02"],
    "D": ["6-28", "2-02"], "E": ["6-29", "6-30", "2-02"], "F": ["4-01", "3-01"], "G": ["4-02", "6-30"],
    "H": ["4-03"], "I": ["4-04", "2-02"], "J": ["2-06", "4-05"], "K": ["4-06"], "L": ["4-07", "3-01"],
    "M": ["2-01", "2-02", "4-08"], "N": ["4-09"], "O": ["4-10", "4-12"], "P": ["2-08"], "Q": ["2-05", "4-14"],
    "R": ["2-09", "2-10", "4-13"], "S": ["3-01", "1-04"], "T": ["3-01"]}
GENERAL_OCC = ["3-01", "3-02", "4-07", "4-99", "1-06", "6-31", "8-00"]
WAGE_BY_GROUP = {"1": 15000, "2": 11000, "3": 7000, "4": 6500, "5": 5000, "6": 6800, "8": 6000}
MIN_WAGE = 2420.0  # Beijing monthly minimum wage from 2023-09
EDUCATION = ["10", "20", "30", "40", "50", "60", "70", "80"]
EDUCATION_SHARE = [5, 30, 25, 10, 5, 12, 11, 2]
SEEKER_TYPES = np.array(["1", "2", "3", "4", "5", "6", "9"])
SEEKER_TYPE_SHARE = [35, 15, 15, 10, 18, 2, 5]
DESIRED_OCC = ["2-02", "2-06", "2-08", "3-01", "3-02", "4-01", "4-02", "4-03", "4-04", "4-07", "4-10", "4-14",
               "6-29", "6-31", "2-05", "4-99"]
DESIRED_SHARE = [8, 5, 3, 16, 6, 9, 10, 8, 7, 8, 5, 3, 3, 4, 2, 3]


def _round100(x: np.ndarray) -> np.ndarray:
    return np.round(x / 100) * 100


def _vacancies(world, rng, month: str, first) -> dict:
    u = world.people.units
    n = max(5, int(rng.poisson(VACANCIES_AT_SCALE_1 * world.scale)))
    alive = np.flatnonzero(u["alive"])
    w = u["weight"][alive]
    unit = district_choice(rng, alive, u["district"][alive], n, w)   # stratified by district
    industry = u["industry"][unit]
    occ = np.empty(n, "U4")
    for ind, codes in OCC_BY_INDUSTRY.items():  # ≤ 20 groups
        m = industry == ind
        occ[m] = np.array(codes)[rng.integers(0, len(codes), m.sum())]
    general = rng.random(n) < 0.25
    occ[general] = np.array(GENERAL_OCC)[rng.integers(0, len(GENERAL_OCC), general.sum())]
    group = np.char.partition(occ, "-")[:, 0]
    median = np.select([group == g for g in WAGE_BY_GROUP], list(WAGE_BY_GROUP.values()), 6500)
    wmin = np.maximum(MIN_WAGE, _round100(median * np.exp(rng.normal(0, 0.3, n))))
    wmax = _round100(wmin * rng.uniform(1.2, 1.8, n))
    posts = np.where(rng.random(n) < 0.02, rng.integers(10, 41, n), rng.geometric(0.4, n))
    edu = np.where(np.isin(group, ["1", "2"]), pick(rng, ["10", "20", "30"], [10, 60, 30], n),
                   np.where(rng.random(n) < 0.4, "", pick(rng, ["30", "40", "60", "70"], [25, 30, 30, 15], n)))
    post = np.sort(days_in(rng, month, n, last_day=CUTOFF_DAY, weekday_weight=6.0))
    return {"vacancy_id": zid("GW" + month, np.arange(1, n + 1), 16), "credit": u["credit"][unit],
            "unit_name": u["name"][unit].astype("U100"), "district": u["district"][unit], "industry": industry,
            "occ": occ, "posts": posts, "edu": edu, "wmin": wmin, "wmax": wmax, "post": post,
            "valid": post + pick(rng, np.array([30, 60, 90]), [40, 40, 20], n)}


def _seekers(world, rng, month: str, first, state: dict) -> dict:
    n = max(5, int(rng.poisson(SEEKERS_AT_SCALE_1 * world.scale)))
    stype = pick(rng, SEEKER_TYPES, SEEKER_TYPE_SHARE, n)
    # Registered unemployed: from the register (as it stood after last month) where there is one.
    reg = world.state.get("unemployed_registry", {}).get("stock")
    parts, types = [], []
    k = int((stype == "1").sum())
    if reg is not None:
        open_ = np.flatnonzero(reg["status"] == "1")
        take_n = min(k, len(open_))
        chosen = rng.choice(open_, size=take_n, replace=False)
        parts.append({"pid": reg["pid"][chosen], "idno": reg["idno"][chosen], "name": reg["name"][chosen],
                      "gender": reg["gender"][chosen], "birth": reg["birth"][chosen], "hukou": reg["hukou"][chosen],
                      "district": reg["district"][chosen], "education": reg["education"][chosen]})
        types.append(np.full(take_n, "1"))
        k -= take_n
    # Employees wanting to change jobs.
    p = world.people.p
    active = np.flatnonzero(p["state"] == Population.ACTIVE)
    m = int((stype == "2").sum())
    emp = world_persons(world, rng.choice(active, size=m, replace=False))
    emp["pid"] = pid12(emp["pid"])
    emp["education"] = pick(rng, EDUCATION, EDUCATION_SHARE, m)
    parts.append(emp)
    types.append(np.full(m, "2"))
    # Everyone else (and registered unemployed when there is no register yet) is made here.
    rest = np.concatenate([np.full(k, "1"), stype[~np.isin(stype, ["1", "2"])]])
    on = np.datetime64(first, "D")
    for t, hukou_share in {"1": (80, 20, 0, 0), "3": (60, 5, 30, 5), "4": (0, 100, 0, 0), "5": (0, 0, 55, 45),
                           "6": (70, 30, 0, 0), "9": (50, 10, 30, 10)}.items():  # ≤ 6 groups
        r = int((rest == t).sum())
        if t == "3":  # graduates
            made = new_people(rng, r, on, age_lo=21, age_hi=27, age_mean=23, age_sd=1.5, hukou_share=hukou_share)
            made["education"] = pick(rng, ["10", "20", "30"], [15, 55, 30], r)
        else:
            made = new_people(rng, r, on, age_mean=34, age_sd=10, hukou_share=hukou_share)
            made["education"] = pick(rng, EDUCATION, EDUCATION_SHARE, r)
        made["pid"] = pid12(PERSON_ID_BASE + np.arange(state["next_pid"], state["next_pid"] + r))
        state["next_pid"] += r
        parts.append(made)
        types.append(np.full(r, t))
    s = concat(parts)
    s["type"] = np.concatenate(types)
    s["occ"] = pick(rng, DESIRED_OCC, DESIRED_SHARE, n)
    wage = _round100(np.exp(rng.normal(np.log(8000), 0.4, n)))
    s["wage"] = np.where(rng.random(n) < 0.1, np.nan, np.maximum(MIN_WAGE, wage))
    s["reg"] = first + rng.integers(0, CUTOFF_DAY, n)
    order = np.argsort(s["reg"], kind="stable")
    s = take(s, order)
    s["seeker_id"] = zid("QZ" + month, np.arange(1, n + 1), 16)
    return s


def _placements(rng, v: dict, s: dict, month: str, first) -> dict:
    n_seek, n_vac = len(s["seeker_id"]), len(v["vacancy_id"])
    chosen = np.sort(rng.choice(n_seek, size=int(round(n_seek * P_PLACED)), replace=False))
    vac = np.empty(len(chosen), np.int64)
    local = rng.random(len(chosen)) < 0.7
    w_all = v["posts"] / v["posts"].sum()
    vac[:] = rng.choice(n_vac, size=len(chosen), p=w_all)
    for d in DISTRICTS:  # 16 groups: place locally where the district has vacancies
        sel = local & (s["district"][chosen] == d)
        here = np.flatnonzero(v["district"] == d)
        if sel.any() and len(here):
            w = v["posts"][here].astype(float)
            vac[sel] = here[rng.choice(len(here), size=int(sel.sum()), p=w / w.sum())]
    # Never more placements than posts: rank placements within each vacancy.
    order = np.lexsort((chosen, vac))
    vs = vac[order]
    start = np.r_[0, np.flatnonzero(vs[1:] != vs[:-1]) + 1]
    rank = np.arange(len(vs)) - np.repeat(start, np.diff(np.r_[start, len(vs)]))
    keep = order[rank < v["posts"][vs]]
    keep = np.sort(keep)
    si, vi = chosen[keep], vac[keep]
    latest = np.maximum(s["reg"][si], v["post"][vi])
    when = np.minimum(latest + rng.integers(0, 11, len(si)), first + (CUTOFF_DAY - 1))
    wage = _round100(v["wmin"][vi] + rng.random(len(si)) * (v["wmax"][vi] - v["wmin"][vi]))
    n = len(si)
    return {"data_month": np.full(n, month), "placement_id": zid("CG" + month, np.arange(1, n + 1), 16),
            "seeker_id": s["seeker_id"][si], "vacancy_id": v["vacancy_id"][vi], "person_id": s["pid"][si],
            "credit_code": v["credit"][vi], "district_code": v["district"][vi], "placement_date": d8(when),
            "agreed_wage": money(wage)}


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    rng = world.rng(SOURCE, month)
    state = world.state.setdefault(SOURCE, {"next_pid": 1})
    first = month_to_date(month_index(month), 1)
    v = _vacancies(world, rng, month, first)
    s = _seekers(world, rng, month, first, state)
    nv, ns = len(v["vacancy_id"]), len(s["seeker_id"])
    vac = {"data_month": np.full(nv, month), "vacancy_id": v["vacancy_id"], "credit_code": v["credit"],
           "unit_name": v["unit_name"], "district_code": v["district"], "industry_section": v["industry"],
           "occupation_code": v["occ"], "posts": ints(v["posts"]), "education_required": v["edu"],
           "wage_min": money(v["wmin"]), "wage_max": money(v["wmax"]), "post_date": d8(v["post"]),
           "valid_until": d8(v["valid"])}
    seek = {"data_month": np.full(ns, month), "seeker_id": s["seeker_id"], "person_id": s["pid"],
            "id_number": s["idno"], "person_name": s["name"], "gender": s["gender"], "birth_date": d8(s["birth"]),
            "hukou_type": s["hukou"], "education": s["education"], "district_code": s["district"],
            "seeker_type": s["type"], "desired_occupation": s["occ"],
            "expected_wage": np.where(np.isnan(s["wage"]), "", money(np.nan_to_num(s["wage"]))),
            "reg_date": d8(s["reg"])}
    return {"job_market_vacancy": vac, "job_market_seeker": seek,
            "job_market_placement": _placements(rng, v, s, month, first)}


def vacancy_seeker_ratio(files: dict[str, dict[str, np.ndarray]]) -> float:
    """求人倍率 = posts (vacancies) ÷ job seekers."""
    return files["job_market_vacancy"]["posts"].astype(np.int64).sum() / max(1, len(files["job_market_seeker"]["seeker_id"]))


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    v, s, p = files["job_market_vacancy"], files["job_market_seeker"], files["job_market_placement"]
    dv = district_table(v["district_code"], {"vacancies": np.ones(len(v["vacancy_id"]), np.int64),
                                             "posts": v["posts"].astype(np.int64)})
    ds = district_table(s["district_code"], {"seekers": np.ones(len(s["seeker_id"]), np.int64)})
    dp = district_table(p["district_code"], {"placements": np.ones(len(p["placement_id"]), np.int64)})
    return {"job_market": [{**a, **b, **c} for a, b, c in zip(dv, ds, dp)]}
