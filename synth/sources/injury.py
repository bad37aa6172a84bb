"""Work-injury insurance (工伤保险, insurance type 410) files for one month.

Insured: a stable ≈76 % of the enterprise employees (13.06 ÷ 17.25 million, year-end 2021).
Contributions: employer only, per unit, on the payroll of its paying insured, at the base rate of the
unit's industry risk class (一类 0.2 % … 八类 1.9 %).
Cases: about 40 thousand determinations a year at scale 1 (est.), victims drawn from the insured who are
paying, weighted by their unit's risk class. Each case is planned once: its medical settlement 1–3
months after the determination, a work-capacity appraisal for ≈45 % of the recognised 2–8 months
after it (grades skewed towards 7–10), the disability items the month after the appraisal, a monthly
伤残津贴 for grades 1–4, and the death benefits the month after a fatal case's determination.
A year of earlier cases is simulated at the start so settlements and appraisals flow from the first month.
Settlements arrive on the 7th (工伤审核结算).
"""
from __future__ import annotations

import numpy as np

from synth.population import Population, date_month_index, district_choice, month_to_date
from synth.sources import _emp_common as c

SOURCE = "injury"

DETERMINATIONS_PER_MONTH = 40_000 / 12     # at scale 1 (est.)
RISK_RATE = {1: 0.002, 2: 0.004, 3: 0.007, 4: 0.009, 5: 0.011, 6: 0.013, 7: 0.016, 8: 0.019}
# Industry section → risk class (est. after the national classification of 2015); manufacturing spans
# classes 3–6 and mining 7–8 depending on the unit.
SECTIONS = np.array(list("ABCDEFGHIJKLMNOPQRST"))
SECTION_CLASS = np.array([4, 7, 3, 4, 6, 2, 4, 2, 1, 1, 2, 2, 1, 4, 3, 1, 2, 2, 1, 1])
RESULT = np.array(["1", "2", "3"])
RESULT_P = [0.885, 0.025, 0.09]
INJURY_TYPE_P = {"01": 0.62, "02": 0.04, "03": 0.02, "04": 0.01, "05": 0.05, "06": 0.25, "07": 0.01}
GRADES = np.array(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "00"])
GRADE_P = np.array([0.3, 0.4, 0.8, 1.2, 2.5, 3.8, 8.0, 15.0, 25.0, 35.0, 8.0])
DISABILITY_MONTHS = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}  # of own wage
ALLOWANCE_SHARE = {1: 0.90, 2: 0.85, 3: 0.80, 4: 0.75}                                  # 伤残津贴
MEDICAL_GRANT_MONTHS = {5: 18, 6: 16, 7: 13, 8: 10, 9: 7, 10: 4}  # 一次性工伤医疗补助金, of average wage (est.)
NURSING_SHARE = {"1": 0.5, "2": 0.4, "3": 0.3}
# Beijing average monthly wage of the previous year (est.) and national urban disposable income per head.
AVG_WAGE = {2021: 10_700.0, 2022: 11_297.0, 2023: 11_761.0, 2024: 12_049.0, 2025: 12_400.0}
URBAN_INCOME = {2021: 47_412.0, 2022: 49_283.0, 2023: 51_821.0, 2024: 54_188.0, 2025: 56_500.0}


def _year_value(table: dict, year: int) -> float:
    return table[min(max(year, min(table)), max(table))]


def risk_class(uid: np.ndarray, industry: np.ndarray) -> np.ndarray:
    base = SECTION_CLASS[np.searchsorted(SECTIONS, industry)]
    spread = np.where(industry == "B", 2, np.where(industry == "C", 4, 1))
    return base + (np.asarray(uid) * 7 + 3) % spread


def _rates(classes: np.ndarray) -> np.ndarray:
    return np.array([0.0] + [RISK_RATE[k] for k in range(1, 9)])[classes]


def _new_cases(world, rng, det_months: np.ndarray, state: dict) -> dict:
    """Cases determined in `det_months` (one per element), victims among the paying insured."""
    pop: Population = world.people
    p, u = pop.p, pop.units
    n = len(det_months)
    member = c.member_value(p["pid"]) < c.SHARE_INJURY
    cand = np.flatnonzero(member & (p["state"] == Population.ACTIVE))
    unit = p["unit"][cand]
    w = _rates(risk_class(u["uid"][unit], u["industry"][unit])) ** 1.5
    who = district_choice(rng, cand, u["district"][unit], n, w)   # stratified by district (see district_choice)
    unit = p["unit"][who]
    seq = state.get("next_case", 1) + np.arange(n)
    state["next_case"] = int(state.get("next_case", 1) + n)
    det_date = month_to_date(det_months, 1) + rng.integers(0, 28, size=n)
    apply_date = det_date - rng.integers(15, 60, size=n)
    accident = apply_date - rng.integers(1, 30, size=n)
    result = RESULT[rng.choice(3, size=n, p=RESULT_P)]
    types = np.array(list(INJURY_TYPE_P))
    tp = np.array(list(INJURY_TYPE_P.values()))
    itype = types[rng.choice(len(types), size=n, p=tp / tp.sum())]
    deemed = result == "2"
    itype = np.where(deemed, np.where(rng.random(n) < 0.9, "08", "09"), itype)
    severity = np.where(rng.random(n) < 0.25, "2", "1")
    fatal = (itype == "08") | ((result == "1") & (rng.random(n) < 0.012))
    severity = np.where(fatal, "3", severity)
    recognised = result != "3"
    alive = recognised & (severity != "3")
    med_month = np.where(alive & (rng.random(n) < 0.9), det_months + rng.integers(1, 4, size=n), -1)
    appraise = alive & (rng.random(n) < np.where(severity == "2", 0.8, 0.35))
    app_month = np.where(appraise, det_months + rng.integers(2, 9, size=n), -1)
    grade = GRADES[rng.choice(len(GRADES), size=n, p=GRADE_P / GRADE_P.sum())]
    heavy = np.isin(grade, ["01", "02", "03", "04"])
    nursing = np.where(heavy & (rng.random(n) < 0.6), np.array(["1", "2", "3"])[rng.integers(0, 3, size=n)], "0")
    return {
        "case_id": np.strings.add("GS", np.strings.add(np.char.mod("%06d", date_month_index(det_date) // 12 * 100
                                                                   + date_month_index(det_date) % 12 + 1),
                                                       c.zfill(seq, 8))),
        "pid": p["pid"][who], "idno": p["idno"][who], "name": p["name"][who].astype(str).astype("U30"),
        "gender": p["gender"][who], "birth": p["birth"][who], "unit": c.uid_str(u["uid"][unit]),
        "district": u["district"][unit], "base": pop.clip_base(p["wage"][who]),
        "det_month": det_months.astype(np.int64), "det_date": det_date, "apply": apply_date,
        "accident": accident, "result": result, "itype": itype, "severity": severity,
        "med_month": med_month.astype(np.int64), "app_month": app_month.astype(np.int64),
        "grade": grade, "nursing": nursing, "app_id": np.full(n, "", dtype="U16")}


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    pop: Population = world.people
    m = pop.month
    rng = world.rng(SOURCE, month)
    p, u = pop.p, pop.units
    st = p["state"]
    state = world.state.setdefault(SOURCE, {})
    member = c.member_value(p["pid"]) < c.SHARE_INJURY
    out: dict[str, dict[str, np.ndarray]] = {}
    per_month = DETERMINATIONS_PER_MONTH * world.scale

    # ---- insured persons ----------------------------------------------------------------------------
    pi = np.flatnonzero(member & np.isin(st, c.WORKING_OR_LEFT))
    out["injury_insured"] = c.insured_file(p, u, pi, month)

    # ---- unit contributions (employer only, at the risk-class rate) ---------------------------------
    payers = np.flatnonzero(member & (st == Population.ACTIVE))
    base = pop.clip_base(p["wage"][payers])
    nu = len(u["uid"])
    headcount = np.bincount(p["unit"][payers], minlength=nu)
    payroll = np.bincount(p["unit"][payers], weights=base, minlength=nu)
    ui = np.flatnonzero(headcount > 0)
    cls = risk_class(u["uid"][ui], u["industry"][ui])
    rate = _rates(cls)
    out["injury_unit_contribution"] = {
        "data_month": c.full(len(ui), month), "unit_id": c.uid_str(u["uid"][ui]), "credit_code": u["credit"][ui],
        "unit_name": u["name"][ui].astype(str), "district_code": c.district_str(u["district"], ui),
        "industry_section": u["industry"][ui], "risk_class": cls.astype(str), "fee_month": c.full(len(ui), month),
        "insured_count": c.ints(headcount[ui]), "payroll_base": c.money(payroll[ui]),
        "rate": np.char.mod("%.4f", rate), "amount": c.money(payroll[ui] * rate),
        "paid_date": c.dates(c.day_in_month(m, rng, len(ui), 5, 25))}

    # ---- cases ----------------------------------------------------------------------------------------
    if "cases" not in state:  # a year of earlier cases so settlements and appraisals flow from the start
        k = rng.poisson(per_month * 12) + 12
        state["cases"] = _new_cases(world, rng, m - 1 - rng.integers(0, 12, size=k), state)
    cases = state["cases"]
    n_new = max(5, int(rng.poisson(per_month)))
    new = _new_cases(world, rng, np.full(n_new, m), state)
    cases = {k: np.concatenate([cases[k], new[k]]) for k in cases}
    # Drop cases with nothing left to do (kept while grade 1–4 allowances run).
    active = ((cases["det_month"] >= m - 12) | (cases["med_month"] >= m) | (cases["app_month"] >= m - 1)
              | ((cases["app_month"] >= 0) & np.isin(cases["grade"], ["01", "02", "03", "04"])))
    cases = {k: v[active] for k, v in cases.items()}
    earlier = cases["det_month"] < m
    c.force_min(cases["med_month"], m, 2, earlier)
    c.force_min(cases["app_month"], m, 1, earlier)
    if not (cases["app_month"] == m).any():
        # nothing pending to pull forward either (tiny scales): an earlier recognised, surviving case that was not
        # planned for an appraisal gets one now — an empty appraisal file would hold the whole month at the loader
        spare = np.flatnonzero(earlier & (cases["app_month"] < 0) & (cases["det_month"] <= m - 2)
                               & (cases["result"] != "3") & (cases["severity"] != "3"))
        if len(spare):
            cases["app_month"][spare[0]] = m
    state["cases"] = cases
    dm = cases["det_month"]

    di = np.flatnonzero(dm == m)
    out["injury_determination"] = {
        "data_month": c.full(len(di), month), "case_id": cases["case_id"][di],
        "person_id": c.pid_str(cases["pid"][di]), "id_number": cases["idno"][di], "person_name": cases["name"][di],
        "gender": cases["gender"][di], "birth_date": c.dates(cases["birth"][di]), "unit_id": cases["unit"][di],
        "district_code": cases["district"][di], "accident_date": c.dates(cases["accident"][di]),
        "apply_date": c.dates(cases["apply"][di]), "determination_date": c.dates(cases["det_date"][di]),
        "result": cases["result"][di], "injury_type": cases["itype"][di], "severity": cases["severity"][di]}

    # ---- work-capacity appraisals ----------------------------------------------------------------------
    ai = np.flatnonzero(cases["app_month"] == m)
    seq = state.get("next_appraisal", 1) + np.arange(len(ai))
    state["next_appraisal"] = int(state.get("next_appraisal", 1) + len(ai))
    cases["app_id"][ai] = np.strings.add(np.strings.add("JD", month), c.zfill(seq, 8))
    conclusion = c.day_in_month(m, rng, len(ai), 1, 28)
    app_apply = np.maximum(conclusion - rng.integers(20, 50, size=len(ai)), cases["det_date"][ai] + 1)
    out["injury_appraisal"] = {
        "data_month": c.full(len(ai), month), "appraisal_id": cases["app_id"][ai], "case_id": cases["case_id"][ai],
        "person_id": c.pid_str(cases["pid"][ai]), "id_number": cases["idno"][ai], "person_name": cases["name"][ai],
        "district_code": cases["district"][ai], "apply_date": c.dates(app_apply),
        "conclusion_date": c.dates(conclusion), "disability_grade": cases["grade"][ai],
        "nursing_level": cases["nursing"][ai]}

    # ---- settlements (工伤审核结算) -------------------------------------------------------------------
    year = m // 12
    avg_wage = _year_value(AVG_WAGE, year - 1)
    parts = []  # (case indexes, item, claimed amounts, approval ratio)
    mi = np.flatnonzero(cases["med_month"] == m)
    med = np.exp(rng.normal(np.log(9000), 1.0, size=len(mi)))
    parts.append((mi, "01", med, rng.uniform(0.85, 1.0, size=len(mi))))
    hosp = mi[rng.random(len(mi)) < 0.4]
    parts.append((hosp, "02", rng.integers(3, 40, size=len(hosp)) * 50.0, np.ones(len(hosp))))
    rehab = mi[rng.random(len(mi)) < 0.1]
    parts.append((rehab, "03", np.exp(rng.normal(np.log(6000), 0.6, size=len(rehab))),
                  rng.uniform(0.9, 1.0, size=len(rehab))))
    grade_num = cases["grade"].astype(np.int64)
    di_ = np.flatnonzero((cases["app_month"] == m - 1) & (grade_num > 0))
    g = grade_num[di_]
    months_of_wage = np.array([0] + [DISABILITY_MONTHS[k] for k in range(1, 11)])[g]
    parts.append((di_, "05", cases["base"][di_] * months_of_wage, np.ones(len(di_))))
    allowance_share = np.array([0.0] + [ALLOWANCE_SHARE.get(k, 0.0) for k in range(1, 11)])
    ongoing = np.flatnonzero((cases["app_month"] >= 0) & (cases["app_month"] <= m - 1)
                             & (grade_num >= 1) & (grade_num <= 4))
    parts.append((ongoing, "06", cases["base"][ongoing] * allowance_share[grade_num[ongoing]],
                  np.ones(len(ongoing))))
    grant = di_[(g >= 5) & (rng.random(len(di_)) < 0.3)]
    grant_months = np.array([0] * 5 + [MEDICAL_GRANT_MONTHS[k] for k in range(5, 11)])[grade_num[grant]]
    parts.append((grant, "07", avg_wage * grant_months, np.ones(len(grant))))
    nurse = ongoing[cases["nursing"][ongoing] != "0"]
    nshare = np.array([0.0] + [NURSING_SHARE[k] for k in "123"])[cases["nursing"][nurse].astype(np.int64)]
    parts.append((nurse, "09", avg_wage * nshare, np.ones(len(nurse))))
    dead = np.flatnonzero((cases["severity"] == "3") & (cases["result"] != "3") & (dm == m - 1))
    parts.append((dead, "10", np.full(len(dead), avg_wage * 6), np.ones(len(dead))))
    kin = dead[rng.random(len(dead)) < 0.4]
    parts.append((kin, "11", cases["base"][kin] * 0.4, np.ones(len(kin))))
    parts.append((dead, "12", np.full(len(dead), 20 * _year_value(URBAN_INCOME, year - 1)), np.ones(len(dead))))
    idx = np.concatenate([x[0] for x in parts])
    item = np.concatenate([np.full(len(x[0]), x[1]) for x in parts])
    claimed = c.round2(np.concatenate([x[2] for x in parts]))
    approved = c.round2(claimed * np.concatenate([x[3] for x in parts]))
    out["injury_settlement"] = {
        "data_month": c.full(len(idx), month), "case_id": cases["case_id"][idx],
        "person_id": c.pid_str(cases["pid"][idx]), "district_code": cases["district"][idx],
        "settlement_item": item, "claimed_amount": c.money(claimed), "approved_amount": c.money(approved),
        "settle_date": c.dates(c.day_in_month(m, rng, len(idx), 1, 28))}
    return out


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    ins, con = files["injury_insured"], files["injury_unit_contribution"]
    det, app, sett = files["injury_determination"], files["injury_appraisal"], files["injury_settlement"]
    status = ins["insured_status"]
    insured = c.by_district(c.as_int(ins["district_code"])[(status == "1") | (status == "2")])
    units = c.by_district(con["district_code"])
    contributors = c.by_district(con["district_code"], c.as_int(con["insured_count"]))
    income = c.by_district(con["district_code"], c.cents(con["amount"]))
    dets = c.by_district(det["district_code"])
    recog = c.by_district(det["district_code"][det["result"] != "3"])
    apps = c.by_district(app["district_code"])
    disabled = c.by_district(app["district_code"][app["disability_grade"] != "00"])
    cases = c.distinct_by_district(sett["district_code"], sett["case_id"])
    paid = c.by_district(sett["district_code"], c.cents(sett["approved_amount"]))
    rows = []
    for code, name in c.current_districts():
        rows.append({"district_code": code, "district_name": name, "insured": insured.get(code, 0),
                     "contributing_units": units.get(code, 0), "contributors": contributors.get(code, 0),
                     "contribution_income": income.get(code, 0) / 100, "determinations": dets.get(code, 0),
                     "recognised": recog.get(code, 0), "appraisals": apps.get(code, 0),
                     "disabled": disabled.get(code, 0), "settlement_cases": cases.get(code, 0),
                     "settlement_paid": paid.get(code, 0) / 100})
    return {"injury": rows}
