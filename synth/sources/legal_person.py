"""市经信局 法人基础信息 (catalogue #26, 按日 upstream; delivered as the month's snapshot): every unit of the world —
the employers of the enterprise pension and the organs / institutions of the public-institution pension — with
its credit code, the older 组织机构代码 (positions 9–17 of the credit code), legal form, district, industry, the
registration date, the deregistration date of closed units and last year's taxes.

A unit that closed is registered as deregistered in the month it closed (and then stops contributing).
Injected (ground truth G_UNIT_DEREG_CONTRIB): a few units that still contribute are registered as deregistered
in the previous month; the record persists in the following months.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import Population, month_to_date
from synth.sources import _gov_common as g
from synth.sources import public_pension as pub
from synth.sources._emp_common import dates, money

SOURCE = "legal_person"
ORDER = 1

LEGAL_FORM = {"91": "1", "11": "2", "12": "3", "51": "4", "52": "5"}


def org_code(credit: np.ndarray) -> np.ndarray:
    """组织机构代码 (GB 11714) as carried inside the credit code: 8 characters, '-', check character."""
    c = credit.astype("U18")
    body = np.array([s[8:16] for s in c], dtype="U8") if len(c) else np.empty(0, "U8")
    chk = np.array([s[16] for s in c], dtype="U1") if len(c) else np.empty(0, "U1")
    return np.char.add(np.char.add(body, "-"), chk)


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    m = month_index(month)
    rng = world.rng(SOURCE, month)
    st = world.state.setdefault(SOURCE, {"dereg": {}, "pub_alive": None})
    pop: Population = world.people
    u = pop.units
    pu = pub.advance(world, month)["units"]
    # Deregistrations: units closed this month (enterprise: the population's events; public: alive flag dropped).
    for i in events.get("closing_units", []):
        st["dereg"].setdefault(("E", int(u["uid"][i])), month_to_date(m, 1) + int(rng.integers(0, 28)))
    prev = st["pub_alive"]
    if prev is not None:
        for i in np.flatnonzero(prev & ~pu["alive"][: len(prev)]):
            st["dereg"].setdefault(("P", int(pu["uid"][i])), month_to_date(m, 1) + int(rng.integers(0, 28)))
    st["pub_alive"] = pu["alive"].copy()
    # Injected: contributing units registered as deregistered last month.
    staff = np.bincount(pop.p["unit"][pop.p["state"] == Population.ACTIVE], minlength=len(u["uid"]))
    cand = np.flatnonzero(u["alive"] & (staff > 0))
    cand = cand[[("E", int(x)) not in st["dereg"] for x in u["uid"][cand]]] if len(cand) else cand
    k = g.k_of("G_UNIT_DEREG_CONTRIB", len(cand))
    for i in (np.sort(rng.choice(cand, size=k, replace=False)) if k else []):
        st["dereg"][("E", int(u["uid"][i]))] = month_to_date(m - 1, 1) + int(rng.integers(0, 28))
        g.record(world, "G_UNIT_DEREG_CONTRIB", "legal_person_basic", month, str(u["credit"][i]),
                 f"在职缴费人数={int(staff[i])}")

    kinds = np.concatenate([np.full(len(u["uid"]), "E"), np.full(len(pu["uid"]), "P")])
    uids = np.concatenate([u["uid"], pu["uid"]])
    credit = np.concatenate([u["credit"], pu["credit"]]).astype("U18")
    dereg = np.array([st["dereg"].get((k_, int(x)), np.datetime64("NaT")) for k_, x in zip(kinds, uids)],
                     dtype="datetime64[D]")
    opened = np.concatenate([u["open"], pu["open"]])
    keep = opened < month_to_date(m + 1, 1)
    _, first = np.unique(credit, return_index=True)
    sel = np.zeros(len(credit), bool)
    sel[first] = True
    sel &= keep
    idx = np.flatnonzero(sel)
    n = len(idx)
    form = np.array([LEGAL_FORM.get(c[:2], "9") for c in credit[idx]], dtype="U1")
    industry = np.concatenate([u["industry"], np.where(pu["category"] == "11", "S", "P")])
    weight = np.concatenate([u["weight"], pu["weight"]])
    tax = np.where(form == "1", np.round(weight * 38000 * g.stable_share(uids, 23), 2), 0.0)
    names = np.concatenate([u["name"].astype(str), pu["name"].astype(str)])
    district = np.concatenate([u["district"], pu["district"]])
    out = {"legal_person_basic": {
        "data_month": np.full(n, month), "credit_code": credit[idx], "org_code": org_code(credit[idx]),
        "unit_name": names[idx], "legal_form": form, "district_code": district[idx],
        "industry_section": industry[idx], "register_date": dates(opened[idx]),
        "deregister_date": dates(dereg[idx]), "unit_status": np.where(np.isnat(dereg[idx]), "1", "2"),
        "tax_paid_last_year": money(tax[idx])}}
    return out


def check_tables(files) -> dict:
    return {}
