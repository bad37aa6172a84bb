"""北京市积分落户管理信息系统 (catalogue #6, 按日 upstream; the month's snapshot of the current year's applicants):
non-Beijing-hukou employees with at least seven years of contributions apply (a stable ~6 % of them); points
grow with the contribution years; from October the year's settlement list (score ≥ 105) is published.
"""
from __future__ import annotations

import numpy as np

from synth.population import Population
from synth.sources import _gov_common as g
from synth.sources._emp_common import dates

SOURCE = "points_settlement"
ORDER = 1


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pop: Population = world.people
    p, u = pop.p, pop.units
    year = int(month[:4])
    share = g.stable_share(p["pid"], 61 + year)
    idx = np.flatnonzero(np.isin(p["state"], [Population.ACTIVE, Population.SUSPENDED])
                         & np.isin(p["hukou"], ["21", "22"]) & (p["months"] >= 84) & (share < 0.06))
    score = np.round(70 + p["months"][idx] / 12 * 1.8 + g.stable_share(p["pid"][idx], 67) * 20, 2)
    published = int(month[4:]) >= 10
    status = np.where(published, np.where(score >= 105, "3", "2"), "1")
    apply_day = np.datetime64(f"{year}-05-08") + (g.stable_share(p["pid"][idx], 71) * 20).astype("timedelta64[D]")
    n = len(idx)
    return {"points_applicant": {
        "data_month": np.full(n, month), "apply_year": np.full(n, str(year)), "id_number": p["idno"][idx],
        "person_name": p["name"][idx].astype(str), "credit_code": u["credit"][p["unit"][idx]],
        "apply_date": dates(apply_day), "score": np.char.mod("%.2f", score) if n else np.empty(0, "U8"),
        "apply_status": status}}


def check_tables(files) -> dict:
    return {}
