"""城乡居民基本养老保险 (urban-rural residents pension, insurance type 170): enrolment, contributions
and benefit payments, from the source's own population (``world.state["residents_pension"]``).

Residents with Beijing hukou (mainly agricultural) aged 16–59 who are not in an employee pension
enrol and choose a yearly contribution grade between 1000 and 9000 yuan, paid once a year in a
month of their choosing (bank deduction); the government adds a contribution subsidy by grade and
pays the minimum grade for assisted groups (低保, 特困, 重度残疾). From the month after their 60th
birthday they receive the basic pension (基础养老金, set yearly) plus the individual-account
pension (account ÷ 139). Beneficiaries die; contributors transfer to employee insurance, pause,
resume; new residents enrol. `advance(world, month)` moves the state once per month (also read by
the `dmp` source); `month_files` only formats.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index, month_str
from synth.population import allocate_districts, date_month_index, month_to_date
from synth.sources.public_pension import cents, dstr, id_address, make_idno, make_names, money, zpad

SOURCE = "residents_pension"
INSURANCE_TYPE = "170"

# Scale 1.0 (est.): 1.91 million insured of whom ≈ 0.9 million receive benefits.
CONTRIBUTORS_AT_SCALE_1 = 1_010_000
BENEFICIARIES_AT_SCALE_1 = 900_000

# Outer districts dominate (rural hukou), GB/T 2260 order as synth.population.DISTRICTS.
DISTRICT_SHARE = np.array([0.2, 0.2, 4.0, 3.0, 0.5, 4.0, 4.0, 12.0, 11.0, 10.0, 9.0, 11.0, 6.0, 7.0, 8.0, 6.0])

# Contribution grades (annual yuan) and the Beijing contribution subsidy by grade (est.).
GRADE_AMOUNT = np.array([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000], dtype=float)
GRADE_SUBSIDY = np.array([60, 90, 90, 120, 120, 150, 150, 150, 150], dtype=float)
GRADE_SHARE = np.array([62, 12, 6, 5, 3, 4, 2, 1, 5], dtype=float)
# Month of the yearly bank deduction (most pay at the start and towards the end of the year).
PAY_MONTH_SHARE = np.array([12, 7, 7, 7, 7, 8, 7, 7, 8, 9, 10, 11], dtype=float)
# 基础养老金 (yuan/month) by year (est. for the latest years).
BASIC_PENSION = {2019: 800, 2020: 820, 2021: 850, 2022: 887, 2023: 924, 2024: 944, 2025: 964}
ACCOUNT_DIVISOR = 139
ASSISTED_CODES = np.array(["0", "1", "2", "3"])       # 无, 低保, 特困供养, 重度残疾
ASSISTED_SHARE = np.array([96.5, 2.0, 0.5, 1.0])

# Monthly transition probabilities (est.).
P_ENROL = 0.0016
P_TRANSFER_OUT = 0.0018   # got a job: moves to the employee pension
P_SUSPEND = 0.0015
P_RESUME = 0.02
P_DEATH = 0.0035
P_GRADE_CHANGE = 0.06     # in January

ACTIVE, BENEFIT, SUSPENDED, ENDED, DIED = 1, 2, 3, 4, 5

_FIELDS = [("pid", np.int64), ("idno", "U18"), ("name", "U4"), ("gender", "U1"), ("birth", "datetime64[D]"),
           ("hukou", "U2"), ("district", "U6"), ("enrol", "datetime64[D]"), ("state", np.int8),
           ("grade", np.int64), ("pay_month", np.int64), ("assisted", "U1"), ("years", np.int64),
           ("account", float), ("benefit_start", "datetime64[D]"), ("acct_pension", float), ("phone", "U11"),
           ("paid_year", np.int64)]


def basic_pension(month: int) -> float:
    y = month // 12
    return float(BASIC_PENSION.get(y, BASIC_PENSION[max(BASIC_PENSION)] if y > max(BASIC_PENSION)
                                   else BASIC_PENSION[min(BASIC_PENSION)]))


def _add(st: dict, rng, n: int, month: int, kind: str) -> None:
    gender = np.where(rng.random(n) < 0.49, "1", "2")
    if kind == "benefit":
        age_m = (60 * 12 + 1 + rng.exponential(11 * 12, n)).astype(np.int64)
        age_m = np.where(age_m > 99 * 12, rng.integers(60 * 12 + 1, 80 * 12, n), age_m)
    elif kind == "active":
        age_m = rng.triangular(16 * 12, 57 * 12, 60 * 12, n).astype(np.int64).clip(16 * 12, 60 * 12 - 2)
    else:  # new enrolees: young adults and people who left employment
        age_m = rng.uniform(16 * 12, 58 * 12, n).astype(np.int64)
    birth = month_to_date(month - age_m, 1) + rng.integers(0, 28, n)
    district = allocate_districts(rng, n, DISTRICT_SHARE)
    hukou = np.where(rng.random(n) < 0.82, "12", "11")
    idno = make_idno(rng, id_address(rng, district, birth), birth, gender)
    age_y = age_m // 12
    # Enrolled since the 2009 scheme at most (new enrolees this month).
    since = np.minimum(np.maximum(date_month_index(birth) + 16 * 12, month_index("200901")), month)
    enrol_m = np.where(kind == "new", month, since + (rng.random(n) * (month - since) * 0.3).astype(np.int64))
    years = np.where(kind == "benefit", rng.integers(5, 16, n),
                     np.minimum((month - enrol_m) // 12, np.maximum(age_y - 16, 0)))
    grade = rng.choice(len(GRADE_AMOUNT), size=n, p=GRADE_SHARE / GRADE_SHARE.sum())
    assisted = ASSISTED_CODES[rng.choice(4, size=n, p=ASSISTED_SHARE / ASSISTED_SHARE.sum())]
    grade = np.where(assisted != "0", 0, grade)
    account = years * (GRADE_AMOUNT[grade] + GRADE_SUBSIDY[grade]) * rng.uniform(0.9, 1.2, n)
    state = np.full(n, BENEFIT if kind == "benefit" else ACTIVE, dtype=np.int8)
    if kind == "active":
        state[rng.random(n) < 0.06] = SUSPENDED
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    benefit_start = nat
    acct_pension = np.zeros(n)
    if kind == "benefit":
        bstart = date_month_index(birth) + 60 * 12 + 1
        benefit_start = month_to_date(np.minimum(bstart, month), 1)
        acct_pension = np.round(account / ACCOUNT_DIVISOR, 2)
        # The account has been drawn down since benefits began.
        account = np.maximum(0.0, account - acct_pension * np.maximum(0, month - bstart))
        enrol_m = np.minimum(enrol_m, bstart - 1)
    phone = np.char.add("1", zpad(rng.integers(3_000_000_000, 9_999_999_999, n), 10))
    new = {"pid": np.arange(st["next"], st["next"] + n), "idno": idno, "name": make_names(rng, n),
           "gender": gender, "birth": birth, "hukou": hukou, "district": district,
           "enrol": month_to_date(enrol_m, 1) + rng.integers(0, 28, n), "state": state, "grade": grade,
           "pay_month": rng.choice(12, size=n, p=PAY_MONTH_SHARE / PAY_MONTH_SHARE.sum()),
           "assisted": assisted, "years": years, "account": account, "benefit_start": benefit_start,
           "acct_pension": acct_pension, "phone": np.where(rng.random(n) < 0.7, phone, ""),
           "paid_year": np.full(n, month // 12 - 1)}
    st["next"] += n
    for k, v in new.items():
        st["p"][k] = np.concatenate([st["p"][k], v])


def _init(world, month: int) -> dict:
    rng = world.rng(SOURCE + "/init", month_str(month))
    st = {"p": {k: np.empty(0, dtype=t) for k, t in _FIELDS}, "next": 1, "month": None}
    _add(st, rng, max(60, round(CONTRIBUTORS_AT_SCALE_1 * world.scale)), month - 1, "active")
    _add(st, rng, max(50, round(BENEFICIARIES_AT_SCALE_1 * world.scale)), month - 1, "benefit")
    # Those whose deduction month already passed this year have paid for it.
    p = st["p"]
    p["paid_year"] = np.where(p["pay_month"] < (month - 1) % 12 + 1, (month - 1) // 12, (month - 1) // 12 - 1)
    return st


def advance(world, month: str) -> dict:
    st = world.state.get(SOURCE)
    m = month_index(month)
    if st is None:
        st = world.state[SOURCE] = _init(world, m)
    if st["month"] == month:
        return st
    rng = world.rng(SOURCE, month)
    p = st["p"]
    keep = ~np.isin(p["state"], [ENDED, DIED])
    for k in p:
        p[k] = p[k][keep]
    s = p["state"]
    n = len(s)

    if m % 12 == 0:  # a new contribution year: some choose another grade
        change = (rng.random(n) < P_GRADE_CHANGE) & (p["assisted"] == "0")
        p["grade"][change] = rng.choice(len(GRADE_AMOUNT), size=int(change.sum()), p=GRADE_SHARE / GRADE_SHARE.sum())

    r = rng.random(n)
    contributing = np.isin(s, [ACTIVE, SUSPENDED])
    resumed = (s == SUSPENDED) & (r < P_RESUME)
    suspended = (s == ACTIVE) & (r < P_SUSPEND)
    ended = contributing & (rng.random(n) < P_TRANSFER_OUT)
    s[resumed] = ACTIVE
    s[suspended] = SUSPENDED
    s[ended] = ENDED

    # Reaching 60: benefits from the month after the 60th birthday.
    due = np.flatnonzero(np.isin(s, [ACTIVE, SUSPENDED]) & (date_month_index(p["birth"]) + 60 * 12 + 1 <= m))
    # Contributions: this year's once-a-year deduction in the chosen month (not yet paid this year).
    payers = np.flatnonzero((s == ACTIVE) & (p["pay_month"] == m % 12) & (p["paid_year"] < m // 12))
    payers = np.setdiff1d(payers, due)
    g = p["grade"][payers]
    assisted = p["assisted"][payers] != "0"
    personal = np.where(assisted, 0.0, GRADE_AMOUNT[g])
    subsidy = GRADE_SUBSIDY[g]
    assisted_amt = np.where(assisted, GRADE_AMOUNT[0], 0.0)
    p["account"][payers] += personal + subsidy + assisted_amt
    p["years"][payers] += 1
    p["paid_year"][payers] = m // 12

    s[due] = BENEFIT
    p["benefit_start"][due] = month_to_date(m, 1)
    p["acct_pension"][due] = np.round(p["account"][due] / ACCOUNT_DIVISOR, 2)

    benefit = np.flatnonzero(s == BENEFIT)
    died = benefit[rng.random(len(benefit)) < P_DEATH]
    died = np.setdiff1d(died, due)
    s[died] = DIED
    # Benefits this month: everyone receiving (the deceased for their last month).
    paid_b = np.flatnonzero(np.isin(s, [BENEFIT, DIED]))
    acct_paid = np.minimum(p["acct_pension"][paid_b], np.maximum(p["account"][paid_b], 0.0))
    # The account pension continues from the fund once the account is used up (兜底).
    p["account"][paid_b] = np.round(p["account"][paid_b] - acct_paid, 2)
    refund = np.round(np.maximum(p["account"][died], 0.0), 2)   # balance returned to the heirs
    p["account"][died] = 0.0

    start = len(s)
    _add(st, rng, int(rng.binomial(int(contributing.sum()), P_ENROL)), m, "new")
    st["cur"] = {"payers": payers, "personal": personal, "subsidy": subsidy, "assisted": assisted_amt,
                 "benefit": paid_b, "basic": np.full(len(paid_b), basic_pension(m)),
                 "acct": p["acct_pension"][paid_b].copy(), "new_benefit": due, "died": died, "refund": refund,
                 "enrolled_from": start, "ended": np.flatnonzero(ended)}
    st["month"] = month
    return st


def pid_str(pid: np.ndarray) -> np.ndarray:
    return np.char.add("3", zpad(pid, 11))


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    st = advance(world, month)
    p, cur = st["p"], st["cur"]
    m = month_index(month)
    s = p["state"]
    out = {}
    ei = np.arange(len(s))
    status = s.astype(str)
    out["residents_pension_enrol"] = {
        "data_month": np.full(len(ei), month), "person_id": pid_str(p["pid"]), "id_number": p["idno"],
        "person_name": p["name"], "gender": p["gender"], "birth_date": dstr(p["birth"]), "hukou_type": p["hukou"],
        "district_code": p["district"], "enrol_date": dstr(p["enrol"]), "enrol_status": status,
        "contribution_grade": np.where(s == BENEFIT, "", zpad(p["grade"] + 1, 2)),
        "assisted_group": p["assisted"], "paid_years": p["years"].astype(str),
        "benefit_start_date": dstr(p["benefit_start"]), "phone": p["phone"]}

    ci = cur["payers"]
    days = world.rng(SOURCE + "/paid", month).integers(1, 26, len(ci))
    out["residents_pension_contribution"] = {
        "data_month": np.full(len(ci), month), "person_id": pid_str(p["pid"][ci]),
        "district_code": p["district"][ci], "contribution_year": np.full(len(ci), str(m // 12)),
        "contribution_grade": zpad(p["grade"][ci] + 1, 2), "personal_amount": money(cur["personal"]),
        "subsidy_amount": money(cur["subsidy"]), "assisted_amount": money(cur["assisted"]),
        "paid_date": dstr(month_to_date(m, 1) + days)}

    bi = cur["benefit"]
    refund = np.zeros(len(bi))
    refund[np.searchsorted(bi, cur["died"])] = cur["refund"]
    total = np.round(cur["basic"] + cur["acct"] + refund, 2)
    out["residents_pension_payment"] = {
        "data_month": np.full(len(bi), month), "person_id": pid_str(p["pid"][bi]), "district_code": p["district"][bi],
        "basic_amount": money(cur["basic"]), "account_amount": money(cur["acct"]),
        "refund_amount": money(refund), "total_amount": money(total),
        "paid_date": dstr(np.full(len(bi), month_to_date(m, 15)))}
    return out


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    from foundation.spec import code_table

    names = code_table("district")
    dists = np.array(sorted(c for c, r in names.items() if r["is_current"] == "true"))
    e, c, pay = (files["residents_pension_enrol"], files["residents_pension_contribution"],
                 files["residents_pension_payment"])
    cnt = lambda keys: np.bincount(np.searchsorted(dists, keys), minlength=len(dists))
    tot = lambda keys, v: np.bincount(np.searchsorted(dists, keys), weights=cents(v.astype(float)).astype(float),
                                      minlength=len(dists))
    insured = np.isin(e["enrol_status"], ["1", "2", "3"])
    enrolled = cnt(e["district_code"][insured])
    benefit = cnt(e["district_code"][e["enrol_status"] == "2"])
    contributors = cnt(c["district_code"])
    personal = tot(c["district_code"], c["personal_amount"])
    subsidy = tot(c["district_code"], c["subsidy_amount"]) + tot(c["district_code"], c["assisted_amount"])
    paid = tot(pay["district_code"], pay["total_amount"])
    return {"residents_pension": [
        {"district_code": str(d), "district_name": names[d]["name"], "insured": int(enrolled[i]),
         "beneficiaries": int(benefit[i]), "contributors": int(contributors[i]),
         "personal_contribution": int(round(personal[i])) / 100, "government_subsidy": int(round(subsidy[i])) / 100,
         "benefit_paid": int(round(paid[i])) / 100} for i, d in enumerate(dists)]}
