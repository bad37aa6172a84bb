"""DMP extracts (数据库备份 DMP 导出的抽取文件) of the social-insurance business database: the tables the
internal-control (内控监督), audit (稽核), budget (财务预算), official-query (公务查询) and actuarial
(统计精算) modules read. Delivered with the pension data on the 5th, previous month.

Everything is derived from the other simulated systems, so the extracts reconcile with the
interface files:
- fund ledger (基金收支明细账): insurance type × district × fund item. Enterprise pension (110)
  income equals the QYYL_JF contribution rows (1101 current period, 1102 arrears), expenditure the
  QYYL_DYFF payments; public-institution pension (120) and residents pension (170) likewise equal
  their own files. Interest (1104) is credited quarterly on a fund balance carried in state.
- benefit change log (待遇变更日志): new pensions, deaths, the yearly adjustment, recalculations,
  with operator / approver and time (a few off-hours or self-approved entries, as happens).
- audit suspicion list (稽核疑点): rule hits, partly computed (contribution base at the floor in a
  high-wage unit; the change-log anomalies), partly from data comparisons (death records, duplicate
  benefits) simulated as samples.
- budget execution (预算执行): yearly plan and year-to-date execution per budget item; the month's
  execution equals the ledger.
- person insurance relations (人员参保关系): every person of the three pension systems, with start/end.
- actuarial cohorts (精算人群): age × gender × insurance type counts and amounts.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.blocks import RowBlocks
from synth.population import DISTRICTS, Population, date_month_index, district_choice, month_to_date
from synth.sources import public_pension as pub
from synth.sources import residents_pension as res
from synth.sources.public_pension import cents, dstr, money, month_end, zpad

SOURCE = "dmp"
TYPES = ("110", "120", "170")
ITEMS = {"110": ("1101", "1102", "1104", "2101", "2103"),
         "120": ("1101", "1104", "1105", "2101", "2102", "2103"),
         "170": ("1101", "1103", "1104", "2101", "2104")}
INCOME = ("1101", "1102", "1103", "1104", "1105")
BUDGET_ITEMS = {"B101": ("1101", "1102"), "B102": ("1103",), "B103": ("1104",), "B104": ("1105",),
                "B201": ("2101", "2102", "2103"), "B202": ("2104",)}
INTEREST_RATE_QUARTER = 0.0035       # ≈ 1.4 % a year, credited at quarter end (est.)
RESERVE_MONTHS = 18                  # opening fund balance ≈ 18 months of expenditure (est.)
OPERATORS_PER_DISTRICT = 8
P_OFF_HOURS = 0.005
P_SELF_APPROVED = 0.003
P_DEATH_MATCH = 0.0002               # 死亡后仍领取: retirees matched against death records
P_DUPLICATE = 0.0008                 # 重复领取: residents beneficiaries also found in another system
AUDIT_STATUS = np.array(["1", "2", "3"])
AUDIT_STATUS_SHARE = np.array([0.7, 0.1, 0.2])
CHANGE_REASON = {"01": "新办退休(领取)待遇", "02": "死亡停发待遇", "03": "年度待遇调整", "04": "待遇重新核定"}


# ---- helpers -------------------------------------------------------------------------------------
def _cat(parts: list[dict]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in keys}


def _part(**cols) -> dict:
    n = max(len(np.atleast_1d(v)) for v in cols.values() if not np.isscalar(v))
    return {k: (np.full(n, v) if np.isscalar(v) else np.asarray(v)) for k, v in cols.items()}


def _ent_pid(pid):
    return zpad(pid, 12)


def _enterprise(world, month: str, events: dict) -> dict:
    """Enterprise-pension amounts exactly as the pension source writes them (see synth/sources/pension.py)."""
    pop: Population = world.people
    p, u = pop.p, pop.units
    st = p["state"]
    ci = np.flatnonzero(st == Population.ACTIVE)
    resumed = events["resumed"]
    rng = world.rng("pension", month)  # the pension source's first draw decides who pays arrears
    arrears = resumed[(st[resumed] == Population.ACTIVE) & (rng.random(len(resumed)) < 0.5)]
    base_c = pop.clip_base(p["wage"][ci])
    base_a = pop.clip_base(p["wage"][arrears])
    ri = np.flatnonzero(np.isin(st, [Population.RETIRED, Population.DEAD]))
    died = ri[st[ri] == Population.DEAD]
    return {"ci": ci, "c_cents": cents(base_c * 0.16) + cents(base_c * 0.08),
            "c_dist": u["district"][p["unit"][ci]],
            "ai": arrears, "a_cents": cents(base_a * 0.16) + cents(base_a * 0.08),
            "a_dist": u["district"][p["unit"][arrears]],
            "ri": ri, "r_cents": cents(p["pension"][ri]), "r_dist": p["retire_district"][ri],
            "di": died, "d_cents": cents(np.round(p["pension"][died] * 2 + 5000, 2)),
            "d_dist": p["retire_district"][died], "base_c": base_c}


# ---- fund ledger ---------------------------------------------------------------------------------
def _ledger(world, month: str, ent: dict, pst: dict, rst: dict, rng) -> dict:
    """(type, district, item) → cents and record counts for the month, interest from the carried balance."""
    m = month_index(month)
    nd = len(DISTRICTS)
    di = lambda keys: np.searchsorted(DISTRICTS, keys)

    def add(flows, t, item, dist, cts):
        flows[(t, item)] = (np.bincount(di(dist), weights=cts.astype(float), minlength=nd),
                            np.bincount(di(dist), minlength=nd))

    flows: dict = {}
    add(flows, "110", "1101", ent["c_dist"], ent["c_cents"])
    add(flows, "110", "1102", ent["a_dist"], ent["a_cents"])
    add(flows, "110", "2101", ent["r_dist"], ent["r_cents"])
    add(flows, "110", "2103", ent["d_dist"], ent["d_cents"])

    pp, pc, pu = pst["p"], pst["cur"], pst["units"]
    base = pc["base"]
    pdist = pu["district"][pp["unit"][pc["payers"]]]
    add(flows, "120", "1101", pdist, cents(base * pub.EMPLOYER_RATE) + cents(base * pub.EMPLOYEE_RATE))
    ann = pc["annuity"]
    add(flows, "120", "1105", pdist[ann], cents(base[ann] * pub.ANNUITY_EMPLOYER_RATE)
        + cents(base[ann] * pub.ANNUITY_EMPLOYEE_RATE))
    pay = pub.payments(pst)
    for item, code in (("01", "2101"), ("02", "2102"), ("03", "2103")):
        sel = pay["item"] == item
        add(flows, "120", code, pay["district"][sel], cents(pay["amount"][sel]))

    rp, rc = rst["p"], rst["cur"]
    rdist = rp["district"][rc["payers"]]
    bdist = rp["district"][rc["benefit"]]
    add(flows, "170", "1101", rdist, cents(rc["personal"]))
    # 财政补贴收入: contribution subsidies, contributions paid for assisted groups and the basic pension.
    fiscal_k = np.concatenate([rdist, rdist, bdist])
    fiscal_v = np.concatenate([cents(rc["subsidy"]), cents(rc["assisted"]), cents(rc["basic"])])
    add(flows, "170", "1103", fiscal_k, fiscal_v)
    add(flows, "170", "2101", bdist, cents(rc["basic"]) + cents(rc["acct"]))
    add(flows, "170", "2104", rp["district"][rc["died"]], cents(rc["refund"]))

    state = world.state.setdefault(SOURCE, {})
    if "balance" not in state:  # opening balance: months of expenditure in reserve (est.)
        state["balance"] = {t: sum(flows[(t, i)][0] for i in ITEMS[t] if i.startswith("2") and (t, i) in flows)
                            * RESERVE_MONTHS * rng.uniform(0.9, 1.1) for t in TYPES}
    if m % 3 == 2:  # quarter end: interest on the balance at the start of the month
        for t in TYPES:
            interest = np.round(state["balance"][t] * INTEREST_RATE_QUARTER)
            flows[(t, "1104")] = (interest, (interest > 0).astype(np.int64))
    for t in TYPES:
        for i in ITEMS[t]:
            flows.setdefault((t, i), (np.zeros(nd), np.zeros(nd, np.int64)))
        inc = sum(flows[(t, i)][0] for i in ITEMS[t] if i in INCOME)
        out = sum(flows[(t, i)][0] for i in ITEMS[t] if i not in INCOME)
        state["balance"][t] = state["balance"][t] + inc - out
    return flows


def _ledger_file(month: str, flows: dict) -> dict:
    m = month_index(month)
    parts = []
    for t in TYPES:
        for i in ITEMS[t]:
            amount, count = flows[(t, i)]
            parts.append(_part(insurance_type=t, district_code=DISTRICTS, fund_item=i,
                               direction="1" if i in INCOME else "2",
                               amount=money(amount / 100), record_count=np.asarray(count).astype(np.int64).astype(str)))
    f = _cat(parts)
    n = len(f["fund_item"])
    return {"data_month": np.full(n, month), **f,
            "account_date": np.full(n, dstr(np.array([month_end(m)]))[0])}


# ---- benefit change log --------------------------------------------------------------------------
def _changes(world, month: str, events: dict, pst: dict, rst: dict, rng) -> dict:
    pop = world.people
    p = pop.p
    pp, pc = pst["p"], pst["cur"]
    rp, rc = rst["p"], rst["cur"]
    er, ed = events["retired"], events["died"]
    parts = [
        _part(person_id=_ent_pid(p["pid"][er]), id_number=p["idno"][er], person_name=p["name"][er].astype(str),
              insurance_type="110", district_code=p["retire_district"][er], change_type="01",
              old=np.zeros(len(er)), new=p["pension"][er]),
        _part(person_id=_ent_pid(p["pid"][ed]), id_number=p["idno"][ed], person_name=p["name"][ed].astype(str),
              insurance_type="110", district_code=p["retire_district"][ed], change_type="02",
              old=p["pension"][ed], new=np.zeros(len(ed)))]
    for idx, ctype, old in ((pc["retired"], "01", np.zeros(len(pc["retired"]))),
                            (pc["died"], "02", None),
                            (pc["adjust"], "03", pc["adjust_old"]),
                            (pc["recalc"], "04", pc["recalc_old"])):
        total = pub.pension_total(pp, idx)
        parts.append(_part(person_id=np.char.add("2", zpad(pp["pid"][idx], 11)), id_number=pp["idno"][idx],
                           person_name=pp["name"][idx], insurance_type="120",
                           district_code=pp["retire_district"][idx], change_type=ctype,
                           old=total if ctype == "02" else old,
                           new=np.zeros(len(idx)) if ctype == "02" else total))
    nb, rd = rc["new_benefit"], rc["died"]
    bsel = np.isin(rc["benefit"], rd)
    monthly = {"nb": rp["acct_pension"][nb] + res.basic_pension(month_index(month)),
               "rd": (rc["basic"] + rc["acct"])[bsel]}
    for idx, ctype, amt in ((nb, "01", monthly["nb"]), (rd, "02", monthly["rd"])):
        parts.append(_part(person_id=res.pid_str(rp["pid"][idx]), id_number=rp["idno"][idx], person_name=rp["name"][idx],
                           insurance_type="170", district_code=rp["district"][idx], change_type=ctype,
                           old=np.zeros(len(idx)) if ctype == "01" else amt,
                           new=amt if ctype == "01" else np.zeros(len(idx))))
    parts = [x for x in parts if len(x["person_id"])]
    f = _cat(parts)
    n = len(f["person_id"])
    # Which district's operator handled it (district codes of retired areas map to their current ones).
    dist = f["district_code"]
    m = month_index(month)
    days = np.arange(month_to_date(m, 1), month_end(m) + 1)
    workdays = days[np.is_busday(days)]
    weekends = days[~np.is_busday(days)]
    date = workdays[rng.integers(0, len(workdays), n)]
    secs = rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800, n)
    off = rng.random(n) < P_OFF_HOURS
    secs = np.where(off, rng.integers(20 * 3600, 24 * 3600, n), secs)
    weekend = off & (rng.random(n) < 0.4)
    date = np.where(weekend, weekends[rng.integers(0, len(weekends), n)], date)
    op = rng.integers(0, OPERATORS_PER_DISTRICT, n)
    approver = (op + rng.integers(1, OPERATORS_PER_DISTRICT, n)) % OPERATORS_PER_DISTRICT
    self_approved = rng.random(n) < P_SELF_APPROVED
    approver = np.where(self_approved, op, approver)
    order = np.lexsort((secs, date))
    f = {k: v[order] for k, v in f.items()}
    date, secs, op, approver, off = date[order], secs[order], op[order], approver[order], off[order]
    dist = f["district_code"]
    hhmmss = (secs // 3600) * 10000 + (secs // 60 % 60) * 100 + secs % 60
    return {**f, "change_id": np.char.add(month, zpad(np.arange(1, n + 1), 10)),
            "change_reason": np.vectorize(CHANGE_REASON.get, otypes=["U20"])(f["change_type"]) if n else
            np.empty(0, "U20"),
            "operator_id": np.char.add(dist, zpad(op + 1, 3)), "approver_id": np.char.add(dist, zpad(approver + 1, 3)),
            "change_date": date, "change_time": zpad(hhmmss, 6), "off_hours": off | ~np.is_busday(date)}


def _change_file(month: str, ch: dict) -> dict:
    n = len(ch["change_id"])
    return {"data_month": np.full(n, month), "change_id": ch["change_id"], "person_id": ch["person_id"],
            "id_number": ch["id_number"], "person_name": ch["person_name"], "insurance_type": ch["insurance_type"],
            "district_code": ch["district_code"], "change_type": ch["change_type"],
            "change_reason": ch["change_reason"], "old_amount": money(ch["old"]), "new_amount": money(ch["new"]),
            "operator_id": ch["operator_id"], "approver_id": ch["approver_id"],
            "change_date": dstr(ch["change_date"]), "change_time": ch["change_time"]}


# ---- audit suspicion list ------------------------------------------------------------------------
def _audit(world, month: str, ent: dict, rst: dict, ch: dict, rng) -> dict:
    pop = world.people
    p, u = pop.p, pop.units
    m = month_index(month)
    parts = []
    # A01 死亡后仍领取待遇: retirees still paid whom the civil-affairs death records list as deceased.
    alive_r = ent["ri"][p["state"][ent["ri"]] == Population.RETIRED]
    k = min(len(alive_r), max(1, int(rng.binomial(len(alive_r), P_DEATH_MATCH))))
    a1 = np.sort(district_choice(rng, alive_r, p["retire_district"][alive_r], k, replace=False))   # by district
    k = len(a1)
    parts.append(_part(rule_code="A01", insurance_type="110", person_id=_ent_pid(p["pid"][a1]),
                       id_number=p["idno"][a1], person_name=p["name"][a1].astype(str),
                       district_code=p["retire_district"][a1],
                       amount=np.round(p["pension"][a1] * rng.integers(1, 7, k), 2), related_change_id="",
                       detect_date=month_end(m)))
    # A02 重复领取待遇: residents beneficiaries also receiving an employee pension elsewhere.
    rp, rc = rst["p"], rst["cur"]
    bi = rc["benefit"]
    k = min(len(bi), max(1, int(rng.binomial(len(bi), P_DUPLICATE))))
    pick = np.sort(district_choice(rng, np.arange(len(bi)), rp["district"][bi], k, replace=False))   # by district
    k = len(pick)
    a2 = bi[pick]
    parts.append(_part(rule_code="A02", insurance_type="170", person_id=res.pid_str(rp["pid"][a2]),
                       id_number=rp["idno"][a2], person_name=rp["name"][a2], district_code=rp["district"][a2],
                       amount=np.round((rc["basic"][pick] + rc["acct"][pick]) * rng.integers(1, 13, k), 2),
                       related_change_id="", detect_date=month_end(m)))
    # A03 缴费基数异常: contribution base at the floor in a unit whose average base is ≥ 3× the floor.
    ci, base = ent["ci"], ent["base_c"]
    lo = pop.base_limits[0]
    unit = p["unit"][ci]
    nu = len(u["uid"])
    mean = np.bincount(unit, weights=base, minlength=nu) / np.maximum(np.bincount(unit, minlength=nu), 1)
    hit = (base <= lo) & (mean[unit] >= 3 * lo) & (np.bincount(unit, minlength=nu)[unit] >= 3)
    a3 = ci[hit]
    parts.append(_part(rule_code="A03", insurance_type="110", person_id=_ent_pid(p["pid"][a3]),
                       id_number=p["idno"][a3], person_name=p["name"][a3].astype(str),
                       district_code=u["district"][p["unit"][a3]],
                       amount=np.round((mean[unit[hit]] - base[hit]) * 0.24, 2), related_change_id="",
                       detect_date=month_end(m)))
    # A04–A06 from the change log: large increases, off-hours handling, self-approval.
    raised = np.isin(ch["change_type"], ["03", "04"]) & (ch["new"] > ch["old"] * 1.2)
    for code, mask in (("A04", raised), ("A05", ch["off_hours"]), ("A06", ch["operator_id"] == ch["approver_id"])):
        parts.append(_part(rule_code=code, insurance_type=ch["insurance_type"][mask],
                           person_id=ch["person_id"][mask], id_number=ch["id_number"][mask],
                           person_name=ch["person_name"][mask], district_code=ch["district_code"][mask],
                           amount=np.round((ch["new"] - ch["old"] if code == "A04" else ch["new"])[mask], 2),
                           related_change_id=ch["change_id"][mask], detect_date=ch["change_date"][mask]))
    parts = [x for x in parts if len(x["person_id"])]
    f = _cat(parts)
    n = len(f["person_id"])
    f["amount"] = f["amount"].astype(float)
    f["detect_date"] = f["detect_date"].astype("datetime64[D]")
    f["check_status"] = AUDIT_STATUS[rng.choice(3, size=n, p=AUDIT_STATUS_SHARE)]
    f["suspect_id"] = np.char.add(np.char.add("JH", month), zpad(np.arange(1, n + 1), 8))
    return f


def _audit_file(month: str, a: dict) -> dict:
    n = len(a["suspect_id"])
    return {"data_month": np.full(n, month), "suspect_id": a["suspect_id"], "rule_code": a["rule_code"],
            "insurance_type": a["insurance_type"], "person_id": a["person_id"], "id_number": a["id_number"],
            "person_name": a["person_name"], "district_code": a["district_code"], "amount": money(a["amount"]),
            "related_change_id": a["related_change_id"].astype(str), "detect_date": dstr(a["detect_date"]),
            "check_status": a["check_status"]}


# ---- budget execution ----------------------------------------------------------------------------
def _budget(world, month: str, flows: dict, rng) -> dict:
    m = month_index(month)
    year, moy = m // 12, m % 12 + 1
    state = world.state.setdefault(SOURCE, {})
    b = state.setdefault("budget", {})
    rows = {k: [] for k in ("insurance_type", "budget_item", "planned", "executed", "ytd")}
    for t in TYPES:
        for item, fund_items in BUDGET_ITEMS.items():
            fi = [i for i in fund_items if i in ITEMS[t]]
            if not fi:
                continue
            month_amt = int(round(sum(flows[(t, i)][0].sum() for i in fi)))  # cents
            key = (t, item)
            rec = b.get(key)
            if rec is None or rec["year"] != year:
                if rec is not None and rec["full"]:                 # a whole year observed: plan on it
                    plan = rec["ytd"] * rng.normal(1.03, 0.015)
                elif item == "B103":                              # interest: on the balance, quarterly
                    plan = state["balance"][t].sum() * INTEREST_RATE_QUARTER * 4 * rng.normal(1.0, 0.03)
                else:                                             # first year seen: estimate from this month
                    plan = month_amt * 12 * rng.normal(1.03, 0.02)
                # Months of the year before the first simulated one: estimated (their extracts are not here).
                if rec is not None or moy == 1:
                    opening = 0
                elif item == "B103":
                    opening = int(round(state["balance"][t].sum() * INTEREST_RATE_QUARTER * ((moy - 1) // 3)))
                else:
                    opening = month_amt * (moy - 1)
                rec = b[key] = {"year": year, "plan": int(round(plan)), "ytd": opening,
                                "full": rec is not None or moy == 1}
            rec["ytd"] += month_amt
            rows["insurance_type"].append(t)
            rows["budget_item"].append(item)
            rows["planned"].append(rec["plan"])
            rows["executed"].append(month_amt)
            rows["ytd"].append(rec["ytd"])
    return {k: np.array(v) for k, v in rows.items()}


def _budget_file(month: str, bud: dict) -> dict:
    n = len(bud["budget_item"])
    plan = bud["planned"].astype(np.int64)
    ytd = bud["ytd"].astype(np.int64)
    rate = np.where(plan > 0, np.round(ytd / np.maximum(plan, 1) * 10000), 0).astype(np.int64)
    return {"data_month": np.full(n, month), "budget_year": np.full(n, month[:4]),
            "insurance_type": bud["insurance_type"], "budget_item": bud["budget_item"],
            "planned_amount": money(plan / 100), "executed_month": money(bud["executed"] / 100),
            "executed_ytd": money(ytd / 100), "execution_rate": money(rate / 100)}


# ---- person insurance relations and actuarial cohorts -------------------------------------------
E_STATUS = np.array(["", "1", "2", "3", "4", "5"])      # relation status by the pensions' person state
R_STATUS = np.array(["", "1", "4", "2", "3", "5"])      # the residents pension's states


def _relation_file(world, month: str, pst: dict, rst: dict) -> dict:
    """The relations file: every insured person of the three pensions (enterprise, public institutions, residents),
    one row each, in that order. Its columns are computed a block of rows at a time while the file is written
    (synth.blocks: the largest file of the month is never held whole); the relation status is a whole column
    (the check table counts it)."""
    pop = world.people
    p, u = pop.p, pop.units
    pp, pu, rp = pst["p"], pst["units"], rst["p"]
    m = month_index(month)
    end = dstr(np.array([month_end(m)]))[0]
    ne, npub = len(p["state"]), len(pp["state"])
    status = np.concatenate([E_STATUS[p["state"].astype(np.int64)], E_STATUS[pp["state"].astype(np.int64)],
                             R_STATUS[rp["state"].astype(np.int64)]])
    n = len(status)
    mon = month.encode()

    def part(kind: str, s: slice) -> dict:
        if kind == "110":
            est = p["state"][s].astype(np.int64)
            unit = p["unit"][s]
            return {"person_id": _ent_pid(p["pid"][s]), "id_number": p["idno"][s],
                    "person_name": p["name"][s].astype(str), "gender": p["gender"][s], "birth": p["birth"][s],
                    "district_code": np.where(est >= 4, p["retire_district"][s], u["district"][unit]),
                    "credit_code": np.where(est >= 4, "", u["credit"][unit]), "start": p["first"][s]}
        if kind == "120":
            pstate = pp["state"][s].astype(np.int64)
            unit = pp["unit"][s]
            return {"person_id": np.char.add("2", zpad(pp["pid"][s], 11)), "id_number": pp["idno"][s],
                    "person_name": pp["name"][s], "gender": pp["gender"][s], "birth": pp["birth"][s],
                    "district_code": np.where(pstate >= 4, pp["retire_district"][s], pu["district"][unit]),
                    "credit_code": np.where(pstate >= 4, "", pu["credit"][unit]), "start": pp["first"][s]}
        k = len(rp["pid"][s])
        return {"person_id": res.pid_str(rp["pid"][s]), "id_number": rp["idno"][s], "person_name": rp["name"][s],
                "gender": rp["gender"][s], "birth": rp["birth"][s], "district_code": rp["district"][s],
                "credit_code": np.full(k, ""), "start": rp["enrol"][s]}

    def build(b0: int, b1: int) -> dict:
        parts = []
        for kind, lo, hi in (("110", 0, ne), ("120", ne, ne + npub), ("170", ne + npub, n)):
            s0, s1 = max(b0, lo), min(b1, hi)
            if s0 < s1:
                parts.append((kind, part(kind, slice(s0 - lo, s1 - lo))))
        cols = {k: np.concatenate([np.asarray(x[k]) for _, x in parts]) for k in parts[0][1]} if parts else {
            k: np.empty(0, "U1") for k in ("person_id", "id_number", "person_name", "gender", "birth",
                                          "district_code", "credit_code", "start")}
        st = status[b0:b1]
        return {"data_month": np.full(b1 - b0, mon), "person_id": cols["person_id"],
                "insurance_type": np.concatenate([np.full(s1 - s0, kind) for kind, s0, s1 in
                                                  (("110", max(b0, 0), min(b1, ne)),
                                                   ("120", max(b0, ne), min(b1, ne + npub)),
                                                   ("170", max(b0, ne + npub), min(b1, n))) if s1 > s0]
                                                 or [np.empty(0, "U3")]),
                "id_number": cols["id_number"], "person_name": cols["person_name"], "gender": cols["gender"],
                "birth_date": dstr(cols["birth"]), "district_code": cols["district_code"],
                "unit_credit_code": cols["credit_code"], "relation_status": st,
                "start_date": dstr(cols["start"]), "end_date": np.where(np.isin(st, ["3", "5"]), end, "")}

    rows = RowBlocks(n, build)
    out = rows.columns(("data_month", "person_id", "insurance_type", "id_number", "person_name", "gender",
                        "birth_date", "district_code", "unit_credit_code", "start_date", "end_date"))
    out["relation_status"] = status
    return out


MAX_AGE = 100


def _cohorts(world, month: str, events: dict, ent: dict, pst: dict, rst: dict) -> dict:
    m = month_index(month)
    pop = world.people
    cols = ("active", "retired", "contributors", "new_retirees", "deaths", "pension", "contribution")
    out = {k: [] for k in ("insurance_type", "gender", "age") + cols}

    def emit(t, gender, birth, flags: dict):
        age = np.clip((m - date_month_index(birth)) // 12, 0, MAX_AGE)
        key = (gender == "2").astype(np.int64) * (MAX_AGE + 1) + age
        size = 2 * (MAX_AGE + 1)
        sums = {k: np.bincount(key, weights=v.astype(float), minlength=size) for k, v in flags.items()}
        any_ = sum(sums[k] for k in ("active", "retired", "deaths")) > 0
        idx = np.flatnonzero(any_)
        out["insurance_type"].append(np.full(len(idx), t))
        out["gender"].append(np.where(idx > MAX_AGE, "2", "1"))
        out["age"].append(idx % (MAX_AGE + 1))
        for k in cols:
            out[k].append(sums[k][idx])

    p = pop.p
    st = p["state"]
    n = len(st)
    contrib = np.zeros(n)
    np.add.at(contrib, ent["ci"], ent["c_cents"].astype(float))
    np.add.at(contrib, ent["ai"], ent["a_cents"].astype(float))
    pen = np.where(st == Population.RETIRED, cents(p["pension"]), 0)
    emit("110", p["gender"], p["birth"], {
        "active": np.isin(st, [1, 2]), "retired": st == Population.RETIRED, "contributors": st == Population.ACTIVE,
        "new_retirees": np.isin(np.arange(n), events["retired"]), "deaths": st == Population.DEAD,
        "pension": pen, "contribution": contrib})

    pp, pc = pst["p"], pst["cur"]
    ps = pp["state"]
    n = len(ps)
    contrib = np.zeros(n)
    contrib[pc["payers"]] = cents(pc["base"] * pub.EMPLOYER_RATE) + cents(pc["base"] * pub.EMPLOYEE_RATE)
    emit("120", pp["gender"], pp["birth"], {
        "active": np.isin(ps, [1, 2]), "retired": ps == pub.RETIRED, "contributors": np.isin(np.arange(n), pc["payers"]),
        "new_retirees": np.isin(np.arange(n), pc["retired"]), "deaths": ps == pub.DEAD,
        "pension": np.where(ps == pub.RETIRED, cents(pub.pension_total(pp)), 0), "contribution": contrib})

    rp, rc = rst["p"], rst["cur"]
    rs = rp["state"]
    n = len(rs)
    contrib = np.zeros(n)
    contrib[rc["payers"]] = cents(rc["personal"]) + cents(rc["subsidy"]) + cents(rc["assisted"])
    pen = np.zeros(n)
    pen[rc["benefit"]] = cents(rc["basic"]) + cents(rc["acct"])
    pen[rc["died"]] = 0
    emit("170", rp["gender"], rp["birth"], {
        "active": np.isin(rs, [res.ACTIVE, res.SUSPENDED]), "retired": rs == res.BENEFIT,
        "contributors": np.isin(np.arange(n), rc["payers"]), "new_retirees": np.isin(np.arange(n), rc["new_benefit"]),
        "deaths": rs == res.DIED, "pension": pen, "contribution": contrib})
    return {k: np.concatenate(v) for k, v in out.items()}


def _cohort_file(month: str, c: dict) -> dict:
    n = len(c["age"])
    i = lambda k: c[k].astype(np.int64).astype(str)
    return {"data_month": np.full(n, month), "insurance_type": c["insurance_type"], "gender": c["gender"],
            "age": c["age"].astype(str), "active_count": i("active"), "retired_count": i("retired"),
            "contributors": i("contributors"), "new_retirees": i("new_retirees"), "deaths": i("deaths"),
            "contribution_total": money(c["contribution"] / 100), "pension_total": money(c["pension"] / 100)}


# ---- entry points --------------------------------------------------------------------------------
def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pst = pub.advance(world, month)
    rst = res.advance(world, month)
    ent = _enterprise(world, month, events)
    flows = _ledger(world, month, ent, pst, rst, world.rng(SOURCE + "/ledger", month))
    ch = _changes(world, month, events, pst, rst, world.rng(SOURCE + "/changes", month))
    aud = _audit(world, month, ent, rst, ch, world.rng(SOURCE + "/audit", month))
    bud = _budget(world, month, flows, world.rng(SOURCE + "/budget", month))
    return {"dmp_fund_ledger": _ledger_file(month, flows),
            "dmp_benefit_change": _change_file(month, ch),
            "dmp_audit_suspect": _audit_file(month, aud),
            "dmp_budget_execution": _budget_file(month, bud),
            "dmp_person_relation": _relation_file(world, month, pst, rst),
            "dmp_actuarial_cohort": _cohort_file(month, _cohorts(world, month, events, ent, pst, rst))}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    led = files["dmp_fund_ledger"]
    amt = cents(led["amount"].astype(float))
    inc = int(amt[led["direction"] == "1"].sum())
    exp = int(amt[led["direction"] == "2"].sum())
    aud = files["dmp_audit_suspect"]
    rel = files["dmp_person_relation"]
    coh = files["dmp_actuarial_cohort"]
    return {"dmp": [{
        "district_code": "110000", "district_name": "北京市",
        "fund_income": inc / 100, "fund_expenditure": exp / 100,
        "benefit_changes": len(files["dmp_benefit_change"]["change_id"]),
        "audit_suspects": len(aud["suspect_id"]), "audit_amount": int(cents(aud["amount"].astype(float)).sum()) / 100,
        "relations_insured": int(np.isin(rel["relation_status"], ["1", "2", "4"]).sum()),
        "cohort_active": int(coh["active_count"].astype(np.int64).sum()),
        "cohort_retired": int(coh["retired_count"].astype(np.int64).sum())}]}
