"""市民政局 (catalogue #30, monthly): 低保 / 特困 / 低收入困难群体 recipients and 火化 (cremation) records.

- 困难群体: the residents-pension members the residents pension itself marks as 低保 / 特困 (assisted group 1/2),
  plus a stable ~2 % of the others as 低收入困难家庭. ID numbers and names as the civil-affairs system keeps them
  (some old 15-digit numbers, lower-case x, typos: recorded as identity ground truth).
  Injected (G_LOWINCOME_HIGH_BASE): a few enterprise-pension contributors on a high base (≥ 3 × the month's
  lower base limit) listed as recipients.
- 火化: every death of the month in any population, cremated 1–6 days later; injected (G_PERSON_DEATH_PAID):
  a few living pensioners recorded as cremated last month.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import Population, month_to_date
from synth.sources import _gov_common as g
from synth.sources._emp_common import dates, money

SOURCE = "civil_affairs"
ORDER = 1
HIGH_BASE_MULTIPLE = 3      # the governance rule's threshold (var governance_high_base_multiple)
ASSIST_AMOUNT = {"1": 1395.0, "2": 2093.0, "3": 700.0}   # monthly yuan (est., Beijing 2024)
FUNERAL_HOMES = np.array(["八宝山殡仪馆", "东郊殡仪馆", "西郊殡仪馆", "长青园殡仪馆", "通州区殡仪馆", "大兴区殡仪馆",
                          "昌平区殡仪馆", "顺义区殡仪馆"])


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    m = month_index(month)
    rng = world.rng(SOURCE, month)
    pe = g.people(world, month)
    pop: Population = world.people
    p = pop.p
    out = {}

    # ---- 困难群体 ----------------------------------------------------------------------------------------
    r = pe["alive"] & (pe["kind"] == "R")
    low = np.flatnonzero(r & ((np.isin(pe["assisted"], ["1", "2"])) | (g.stable_share(pe["pid"], 41) < 0.02)))
    atype = np.where(np.isin(pe["assisted"][low], ["1", "2"]), pe["assisted"][low], "3")
    lo, _ = pop.base_limits
    base = pop.clip_base(p["wage"])
    cand = np.flatnonzero((p["state"] == Population.ACTIVE) & (base >= HIGH_BASE_MULTIPLE * lo + 1))
    k = g.k_of("G_LOWINCOME_HIGH_BASE", len(cand))
    inj = np.sort(rng.choice(cand, size=k, replace=False)) if k else cand[:0]
    for i in inj:
        g.record(world, "G_LOWINCOME_HIGH_BASE", "civil_low_income", month, str(p["idno"][i]), f"缴费基数={base[i]:.0f}")
    idno = np.concatenate([pe["idno"][low], p["idno"][inj]]).astype("U18")
    name = np.concatenate([pe["name"][low], p["name"][inj].astype(str)])
    birth = np.concatenate([pe["birth"][low], p["birth"][inj]])
    atype = np.concatenate([atype, np.full(len(inj), "1")])
    ids, names = g.noisy_ids_and_names(world, rng, "civil_low_income", month, idno, name, birth)
    n = len(idno)
    key = np.concatenate([pe["pid"][low], p["pid"][inj] + 10_000_000])
    start = month_to_date(m - 1 - (g.stable_share(key, 43) * 60).astype(np.int64), 1)
    out["civil_low_income"] = {
        "data_month": np.full(n, month), "id_number": ids, "person_name": names,
        "gender": np.concatenate([pe["gender"][low], p["gender"][inj]]), "birth_date": dates(birth),
        "assist_type": atype,
        "district_code": np.concatenate([pe["district"][low], pop.units["district"][p["unit"][inj]]]),
        "start_date": dates(start), "family_size": (1 + (g.stable_share(key, 47) * 4).astype(np.int64)).astype(str),
        "monthly_amount": money(np.array([ASSIST_AMOUNT[a] for a in atype]) if n else np.zeros(0))}

    # ---- 火化 --------------------------------------------------------------------------------------------
    d = g.deaths(world, month)
    cand = np.flatnonzero(p["state"] == Population.RETIRED)
    k = g.k_of("G_PERSON_DEATH_PAID", len(cand))
    fake = np.sort(rng.choice(cand, size=k, replace=False)) if k else cand[:0]
    fake = fake[~np.isin(p["idno"][fake], d["idno"])]
    for i in fake:
        g.record(world, "G_PERSON_DEATH_PAID", "civil_cremation", month, str(p["idno"][i]), "领取养老金")
    death = np.concatenate([d["date"], month_to_date(m - 1, 1) + rng.integers(0, 25, len(fake))])
    n = len(death)
    cre = death + rng.integers(1, 7, n)
    out["civil_cremation"] = {
        "data_month": np.full(n, month), "id_number": np.concatenate([d["idno"], p["idno"][fake]]),
        "person_name": np.concatenate([d["name"], p["name"][fake].astype(str)]),
        "gender": np.concatenate([d["gender"], p["gender"][fake]]),
        "death_date": dates(death), "cremation_date": dates(cre),
        "funeral_home": FUNERAL_HOMES[rng.integers(0, len(FUNERAL_HOMES), n)],
        "district_code": np.concatenate([d["district"], pop.units["district"][p["unit"][fake]]])}
    return out


def check_tables(files) -> dict:
    return {}
