"""机关事业单位养老保险 (public-institution pension, insurance type 120): units, insured persons,
contributions (basic pension 16 % + 8 %, occupational annuity 8 % + 4 %), retirees and payments.

The population is the source's own (kept in ``world.state["public_pension"]``, not ``world.people``):
机关 (credit-code type 11) and 事业单位 (12) units, their staff and their retirees. People age and
retire (men 60, women 55 cadres / 50 workers, gradually delayed from 2025), join, transfer out, die;
pensions follow the 2014-10 reform formula (basic + individual account + transitional pension) and
are adjusted each August with back pay from January.

`advance(world, month)` moves the state to `month` exactly once (the `dmp` source reads it as well,
whichever runs first); `month_files` only formats. This module also holds small vectorised
formatting helpers used by the residents-pension and DMP sources.
"""
from __future__ import annotations

import numpy as np

from foundation.checkdigits import CREDIT_CHARS, credit_check_chars, id_check_chars
from foundation.months import month_index, month_str
from synth.population import (
    DISTRICTS,
    GIVEN,
    RETIRED_ADDRESS,
    SURNAMES,
    allocate_districts,
    date_month_index,
    district_choice,
    month_to_date,
    retirement_month,
)

SOURCE = "public_pension"
INSURANCE_TYPE = "120"

# Scale 1.0 (est.): ≈ 8 thousand units, 0.9 million active insured, 0.45 million retirees.
UNITS_AT_SCALE_1 = 8_000
ACTIVE_AT_SCALE_1 = 900_000
RETIRED_AT_SCALE_1 = 450_000

EMPLOYER_RATE, EMPLOYEE_RATE = 0.16, 0.08
ANNUITY_EMPLOYER_RATE, ANNUITY_EMPLOYEE_RATE = 0.08, 0.04
REFORM = month_index("201410")          # 机关事业单位养老保险制度改革 (2014-10)
AVG_WAGE = 11_937.0                      # 计发基数 (est.): Beijing average wage used for pensions
ACCOUNT_DIVISOR = {50: 195, 55: 170, 60: 139}

# Monthly transition probabilities (est.).
P_JOIN = 0.0032
P_TRANSFER_OUT = 0.0006
P_SUSPEND = 0.0004
P_RESUME = 0.10
P_DEATH = 0.0024
P_RECALC = 0.0005                       # 待遇重算/更正 among retirees
P_UNIT_OPEN = 0.0006
P_UNIT_CLOSE = 0.0005
ADJUST_MONTH = 8                         # yearly pension adjustment with back pay for January–July
ADJUST_RATE = 0.03

# Public units are spread more evenly than enterprises (every district has its organs, schools, hospitals).
DISTRICT_SHARE = np.array([8.0, 10.0, 12.0, 7.0, 3.5, 11.0, 3.0, 5.0, 6.0, 5.0, 6.5, 6.0, 3.5, 3.5, 4.5, 3.5])
ORGAN_NAMES = np.array(["财政局", "教育委员会", "民政局", "卫生健康委员会", "人力资源和社会保障局", "司法局", "商务局",
                        "文化和旅游局", "城市管理委员会", "生态环境局", "发展和改革委员会", "统计局", "审计局",
                        "市场监督管理局", "应急管理局", "农业农村局", "街道办事处", "人民法院", "人民检察院", "税务局"])
INSTITUTION_NAMES = np.array(["中学", "小学", "实验学校", "幼儿园", "人民医院", "中医医院", "社区卫生服务中心",
                              "疾病预防控制中心", "图书馆", "档案馆", "文化馆", "职业技能鉴定中心", "社会保险事业管理中心",
                              "公共就业服务中心", "房屋征收事务中心", "园林绿化服务中心", "少年宫", "职业学校"])
# Funding types of 事业单位: 1 全额拨款, 2 差额拨款, 3 自收自支 (机关 are always 1).
FUNDING_SHARE = np.array([70, 20, 10])


# ---- vectorised formatting helpers (also used by residents_pension and dmp) ------------------------
def zpad(values, width: int) -> np.ndarray:
    """Non-negative integers → zero-padded strings of `width` digits, without a Python loop."""
    a = np.asarray(values, dtype=np.int64)
    if a.size == 0:
        return np.empty(0, dtype=f"U{width}")
    digits = (a[:, None] // (10 ** np.arange(width - 1, -1, -1, dtype=np.int64))) % 10 + 48
    return np.ascontiguousarray(digits.astype(np.uint32)).view(f"U{width}").ravel()


def dstr(values: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYYMMDD' ('' for NaT), from integer year / month / day (fast for millions)."""
    d = np.asarray(values, dtype="datetime64[D]")
    if d.size == 0:
        return np.empty(0, dtype="U8")
    nat = np.isnat(d)
    safe = np.where(nat, np.datetime64("2000-01-01"), d) if nat.any() else d
    months = safe.astype("datetime64[M]")
    mi = months.astype(np.int64)
    day = (safe - months.astype("datetime64[D]")).astype(np.int64) + 1
    out = zpad((mi // 12 + 1970) * 10000 + (mi % 12 + 1) * 100 + day, 8)
    return np.where(nat, "", out) if nat.any() else out


def cents(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)


def money(values) -> np.ndarray:
    """Amounts → strings with exactly two decimals (rounded half away from zero on cents)."""
    c = cents(values)
    neg = c < 0
    c = np.abs(c)
    s = np.char.add(np.char.add((c // 100).astype(str), "."), zpad(c % 100, 2))
    return np.where(neg, np.char.add("-", s), s)


def month_end(idx: int) -> np.datetime64:
    return month_to_date(idx + 1, 1) - 1


def make_idno(rng, address: np.ndarray, birth: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """GB 11643 ID numbers: address code, birth date, sequence (odd male / even female), check char."""
    n = len(address)
    if n == 0:
        return np.empty(0, dtype="U18")
    seq = rng.integers(0, 500, size=n) * 2 + (gender == "1")
    first17 = np.char.add(np.char.add(address.astype("U6"), dstr(birth)), zpad(seq, 3))
    digits = (np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48).astype(np.int64)
    return np.char.add(first17, id_check_chars(digits))


def id_address(rng, district: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """Address code in the ID number: the district, for older people often its retired code."""
    address = district.astype("U6").copy()
    older = (date_month_index(birth) < month_index("198001")) & (rng.random(len(address)) < 0.5)
    for cur, old in RETIRED_ADDRESS.items():
        address[(address == cur) & older] = old
    return address


def make_names(rng, n: int) -> np.ndarray:
    s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(s, g1), g2)


def make_credit(rng, kind: np.ndarray, district: np.ndarray) -> np.ndarray:
    """GB 32100 credit codes: registering authority + type (kind, 2 chars), region, body, check."""
    n = len(kind)
    if n == 0:
        return np.empty(0, dtype="U18")
    cv = {c: i for i, c in enumerate(CREDIT_CHARS)}
    k = np.frombuffer(kind.astype("S2").tobytes(), dtype=np.uint8).reshape(n, 2)
    lut = np.zeros(128, dtype=np.int64)
    for c, i in cv.items():
        lut[ord(c)] = i
    head = lut[k]
    region = (np.frombuffer(district.astype("S6").tobytes(), dtype=np.uint8).reshape(n, 6) - 48).astype(np.int64)
    body = rng.integers(0, 31, size=(n, 9))
    vals = np.concatenate([head, region, body], axis=1)
    chars = np.array(list(CREDIT_CHARS), dtype="U1")[vals]
    first17 = chars.astype("S1").view("S17").ravel().astype("U17")
    return np.char.add(first17, credit_check_chars(vals))


def group_sum(keys: np.ndarray, values: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Sum `values` by `keys` for each member of `universe` (sorted unique strings)."""
    idx = np.searchsorted(universe, keys)
    return np.bincount(idx, weights=values, minlength=len(universe)) if len(keys) else np.zeros(len(universe))


# ---- population ----------------------------------------------------------------------------------
ACTIVE, SUSPENDED, LEFT, RETIRED, DEAD = 1, 2, 3, 4, 5

_P_FIELDS = [("pid", np.int64), ("idno", "U18"), ("name", "U4"), ("gender", "U1"), ("birth", "datetime64[D]"),
             ("hukou", "U2"), ("cadre", bool), ("unit", np.int64), ("work_start", "datetime64[D]"),
             ("first", "datetime64[D]"), ("state", np.int8), ("wage", float), ("deemed", np.int64),
             ("paid", np.int64), ("account", float), ("retire_date", "datetime64[D]"), ("retire_type", "U1"),
             ("basic", float), ("acct_pension", float), ("trans", float), ("retire_district", "U6"),
             ("retire_unit", np.int64)]
_U_FIELDS = [("uid", np.int64), ("credit", "U18"), ("name", "U40"), ("district", "U6"), ("category", "U2"),
             ("funding", "U1"), ("annuity", bool), ("open", "datetime64[D]"), ("alive", bool), ("weight", float)]


def _append(store: dict, new: dict) -> None:
    for k, v in new.items():
        store[k] = np.concatenate([store[k], v])


def _open_units(st: dict, rng, n: int, month: int, initial: bool) -> None:
    u = st["units"]
    district = allocate_districts(rng, n, DISTRICT_SHARE)
    category = np.where(rng.random(n) < 0.22, "11", "12")
    funding = np.where(category == "11", "1", np.array(["1", "2", "3"])[
        rng.choice(3, size=n, p=FUNDING_SHARE / FUNDING_SHARE.sum())])
    from foundation.spec import code_table
    dname = code_table("district")
    dn = np.array([dname[d]["name"] for d in DISTRICTS])[np.searchsorted(DISTRICTS, district)]
    organ = ORGAN_NAMES[rng.integers(0, len(ORGAN_NAMES), n)]
    inst = np.char.add(np.char.add("第", zpad(rng.integers(1, 100, n), 2)),
                       INSTITUTION_NAMES[rng.integers(0, len(INSTITUTION_NAMES), n)])
    name = np.char.add(np.char.add("北京市", dn), np.where(category == "11", organ, inst))
    uid = np.arange(st["next_unit"], st["next_unit"] + n)
    st["next_unit"] += n
    open_m = month - rng.integers(0, 480, size=n) if initial else np.full(n, month)
    _append(u, {"uid": uid, "credit": make_credit(rng, category, district),
                "name": name.astype("U40"), "district": district, "category": category, "funding": funding,
                "annuity": (funding != "3") | (rng.random(n) < 0.5),
                "open": month_to_date(open_m, 1) + rng.integers(0, 28, n), "alive": np.ones(n, bool),
                "weight": rng.pareto(1.6, n) + 1.0})


def _pick_units(st: dict, rng, n: int) -> np.ndarray:
    u = st["units"]
    alive = np.flatnonzero(u["alive"])
    return district_choice(rng, alive, u["district"][alive], n, u["weight"][alive])   # stratified by district


def _add_people(st: dict, rng, n: int, month: int, kind: str) -> None:
    gender = np.where(rng.random(n) < 0.48, "1", "2")
    cadre = rng.random(n) < 0.88          # 工勤 (workers) are the rest; women workers retire at 50
    if kind == "retired":
        age_m = np.where(gender == "1", rng.integers(60 * 12 + 1, 95 * 12, n), rng.integers(55 * 12 + 1, 95 * 12, n))
    elif kind == "active":
        age_m = rng.normal(42 * 12, 9 * 12, n).astype(np.int64)
        cap = np.where(gender == "1", 60 * 12, np.where(cadre, 55 * 12, 50 * 12))
        # Ages beyond the retirement age or below 23 are redrawn evenly (no heap at the limits).
        age_m = np.where(age_m > cap, rng.integers(35 * 12, cap + 1), age_m)
        age_m = np.where(age_m < 23 * 12, rng.integers(23 * 12, 30 * 12, n), age_m)
    else:  # new hires: graduates and transfers in
        age_m = np.clip(rng.normal(28 * 12, 4 * 12, n), 22 * 12, 45 * 12).astype(np.int64)
    birth = month_to_date(month - age_m, 1) + rng.integers(0, 28, n)
    units = _pick_units(st, rng, n)
    district = st["units"]["district"][units]
    hukou = np.where(rng.random(n) < 0.93, "11", "12")
    idno = make_idno(rng, id_address(rng, district, birth), birth, gender)
    start_age = rng.integers(22 * 12, 26 * 12, n)
    work_m = np.minimum(date_month_index(birth) + start_age, month) if kind != "new" else np.full(n, month)
    first_m = np.maximum(work_m, REFORM)
    deemed = np.maximum(0, np.minimum(REFORM, month) - work_m)
    paid = np.maximum(0, month - first_m)
    wage = np.exp(rng.normal(np.log(14_500), 0.35, n))
    state = np.full(n, RETIRED if kind == "retired" else ACTIVE, dtype=np.int8)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    basic = np.zeros(n)
    acct_p = np.zeros(n)
    trans = np.zeros(n)
    retire_date = nat
    rtype = np.full(n, "", dtype="U1")
    account = wage * EMPLOYEE_RATE * paid
    if kind == "retired":
        rmonth = np.minimum(retirement_month(birth, gender, cadre), month)
        retire_date = month_to_date(rmonth, 1)
        total = np.clip(rng.normal(9_600, 2_300, n), 4_000, 26_000)
        pre_reform = rmonth < REFORM
        acct_p = np.where(pre_reform, 0.0, np.round(total * 0.10, 2))
        trans = np.where(pre_reform, 0.0, np.round(total * 0.42, 2))
        basic = np.round(total - acct_p - trans, 2)
        work_m = np.minimum(work_m, rmonth - 180)
        first_m = np.maximum(work_m, REFORM)
        deemed = np.maximum(0, np.minimum(REFORM, rmonth) - work_m)
        paid = np.maximum(0, rmonth - first_m)
        account = np.zeros(n)
        rtype = np.where(rng.random(n) < 0.93, "1", np.where(rng.random(n) < 0.5, "3", "4"))
    _append(st["p"], {
        "pid": np.arange(st["next_person"], st["next_person"] + n), "idno": idno, "name": make_names(rng, n),
        "gender": gender, "birth": birth, "hukou": hukou, "cadre": cadre, "unit": units,
        "work_start": month_to_date(work_m, 1), "first": month_to_date(first_m, 1), "state": state,
        "wage": wage, "deemed": deemed, "paid": paid, "account": account, "retire_date": retire_date,
        "retire_type": rtype, "basic": basic, "acct_pension": acct_p, "trans": trans,
        "retire_district": district, "retire_unit": units})
    st["next_person"] += n


def _new_pension(p: dict, idx: np.ndarray, month: int, lo: float, hi: float) -> None:
    """2014-10 reform formula for people retiring now: basic + individual account + transitional."""
    base = np.clip(np.round(p["wage"][idx]), lo, hi)
    index = np.clip(base / AVG_WAGE, 0.6, 3.0)
    years = (p["deemed"][idx] + p["paid"][idx]) / 12
    age = (month - date_month_index(p["birth"][idx])) // 12
    divisor = np.where(age >= 60, ACCOUNT_DIVISOR[60], np.where(age >= 55, ACCOUNT_DIVISOR[55], ACCOUNT_DIVISOR[50]))
    p["basic"][idx] = np.round(AVG_WAGE * (1 + index) / 2 * years * 0.01, 2)
    p["acct_pension"][idx] = np.round(p["account"][idx] / divisor, 2)
    p["trans"][idx] = np.round(AVG_WAGE * index * p["deemed"][idx] / 12 * 0.014, 2)


def pension_total(p: dict, idx=slice(None)) -> np.ndarray:
    return np.round(p["basic"][idx] + p["acct_pension"][idx] + p["trans"][idx], 2)


def _init(world, month: int) -> dict:
    rng = world.rng(SOURCE + "/init", month_str(month))
    st = {"p": {k: np.empty(0, dtype=t) for k, t in _P_FIELDS},
          "units": {k: np.empty(0, dtype=t) for k, t in _U_FIELDS},
          "next_person": 1, "next_unit": 1, "month": None}
    s = world.scale
    _open_units(st, rng, max(10, round(UNITS_AT_SCALE_1 * s)), month - 1, initial=True)
    _add_people(st, rng, max(60, round(ACTIVE_AT_SCALE_1 * s)), month - 1, "active")
    _add_people(st, rng, max(30, round(RETIRED_AT_SCALE_1 * s)), month - 1, "retired")
    return st


def advance(world, month: str) -> dict:
    """Move the source's population to `month` (once) and record what happened in it under st["cur"]."""
    from synth.sources.pension import base_limits

    st = world.state.get(SOURCE)
    m = month_index(month)
    if st is None:
        st = world.state[SOURCE] = _init(world, m)
    if st["month"] == month:
        return st
    rng = world.rng(SOURCE, month)
    p, u = st["p"], st["units"]
    keep = ~np.isin(p["state"], [LEFT, DEAD])
    for k in p:
        p[k] = p[k][keep]
    s = p["state"]
    n = len(s)
    lo, hi = base_limits(month)

    # Units: a few close (staff move to another unit, 机构改革), a few open.
    alive = np.flatnonzero(u["alive"])
    closing = alive[rng.random(len(alive)) < P_UNIT_CLOSE]
    u["alive"][closing] = False
    _open_units(st, rng, int(rng.binomial(len(alive), P_UNIT_OPEN)), m, initial=False)
    working = np.isin(s, [ACTIVE, SUSPENDED])
    displaced = working & np.isin(p["unit"], closing)
    p["unit"][displaced] = _pick_units(st, rng, int(displaced.sum()))

    r = rng.random(n)
    resumed = (s == SUSPENDED) & (r < P_RESUME)
    suspended = (s == ACTIVE) & (r < P_SUSPEND)
    left = working & (rng.random(n) < P_TRANSFER_OUT)
    s[resumed] = ACTIVE
    s[suspended] = SUSPENDED
    s[left] = LEFT

    if m % 12 == 0:  # yearly pay rise in January
        p["wage"] *= rng.normal(1.04, 0.02, n)

    # Contributions of everyone paying this month (before retirement is decided, the due month is paid).
    due = working & ~left & (retirement_month(p["birth"], p["gender"], p["cadre"]) <= m)
    payers = np.flatnonzero((s == ACTIVE) & ~due)
    base = np.clip(np.round(p["wage"][payers]), lo, hi)
    p["paid"][payers] += 1
    p["account"][payers] += np.round(base * EMPLOYEE_RATE, 2)

    # Retirement.
    ridx = np.flatnonzero(due)
    s[ridx] = RETIRED
    p["retire_date"][ridx] = month_to_date(m, 1)
    p["retire_type"][ridx] = "1"
    p["retire_district"][ridx] = u["district"][p["unit"][ridx]]
    p["retire_unit"][ridx] = p["unit"][ridx]
    _new_pension(p, ridx, m, lo, hi)

    retired_before = (s == RETIRED) & ~due
    # Yearly adjustment in August (back pay for January–July); a few recalculations any month.
    adjust = np.empty(0, np.int64)
    old_adj = np.empty(0)
    if m % 12 == ADJUST_MONTH - 1:
        adjust = np.flatnonzero(retired_before)
        old_adj = pension_total(p, adjust)
        factor = 1 + ADJUST_RATE * rng.normal(1, 0.15, len(adjust)).clip(0.5, 1.5)
        p["basic"][adjust] = np.round(p["basic"][adjust] * factor, 2)
    cand = np.flatnonzero(retired_before)
    recalc = cand[rng.random(len(cand)) < P_RECALC]
    recalc = np.setdiff1d(recalc, adjust)
    old_recalc = pension_total(p, recalc)
    # Mostly small corrections; a rare few large increases (what internal control looks for).
    big = rng.random(len(recalc)) < 0.08
    delta = np.where(big, rng.uniform(0.25, 0.6, len(recalc)), rng.uniform(-0.04, 0.05, len(recalc)))
    p["basic"][recalc] = np.round(np.maximum(500, p["basic"][recalc] + old_recalc * delta), 2)

    died = np.flatnonzero(retired_before & (rng.random(n) < P_DEATH))
    s[died] = DEAD

    joiners_from = len(p["pid"])
    _add_people(st, rng, int(rng.binomial(int(working.sum()), P_JOIN)), m, "new")
    new_payers = np.arange(joiners_from, len(p["pid"]))
    nb = np.clip(np.round(p["wage"][new_payers]), lo, hi)
    p["paid"][new_payers] += 1
    p["account"][new_payers] += np.round(nb * EMPLOYEE_RATE, 2)

    payers = np.concatenate([payers, new_payers])
    base = np.concatenate([base, nb])
    annuity = u["annuity"][p["unit"][payers]]
    st["cur"] = {"payers": payers, "base": base, "annuity": annuity, "retired": ridx, "died": died,
                 "adjust": adjust, "adjust_old": old_adj, "recalc": recalc, "recalc_old": old_recalc,
                 "closing": closing, "left": np.flatnonzero(left)}
    st["month"] = month
    return st


# ---- files ---------------------------------------------------------------------------------------
def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    st = advance(world, month)
    p, u, cur = st["p"], st["units"], st["cur"]
    m = month_index(month)
    s = p["state"]
    out = {}
    pid = lambda idx: np.char.add("2", zpad(p["pid"][idx], 11))
    uidf = lambda idx: np.char.add("JS", zpad(u["uid"][idx], 8))

    alive = u["alive"].copy()
    alive[cur["closing"]] = True
    ui = np.flatnonzero(alive)
    staff = np.bincount(p["unit"][np.isin(s, [ACTIVE, SUSPENDED])], minlength=len(u["uid"]))
    retirees = np.bincount(p["retire_unit"][np.isin(s, [RETIRED, DEAD])], minlength=len(u["uid"]))
    out["public_pension_unit"] = {
        "data_month": np.full(len(ui), month), "unit_id": uidf(ui), "credit_code": u["credit"][ui],
        "unit_name": u["name"][ui], "unit_category": u["category"][ui], "funding_type": u["funding"][ui],
        "district_code": u["district"][ui], "open_date": dstr(u["open"][ui]),
        "annuity_flag": np.where(u["annuity"][ui], "1", "0"),
        "unit_status": np.where(u["alive"][ui], "1", "3"), "staff_count": staff[ui].astype(str),
        "retiree_count": retirees[ui].astype(str)}

    pi = np.flatnonzero(np.isin(s, [ACTIVE, SUSPENDED, LEFT]))
    out["public_pension_person"] = {
        "data_month": np.full(len(pi), month), "person_id": pid(pi), "id_number": p["idno"][pi],
        "person_name": p["name"][pi], "gender": p["gender"][pi], "birth_date": dstr(p["birth"][pi]),
        "hukou_type": p["hukou"][pi], "unit_id": uidf(p["unit"][pi]), "district_code": u["district"][p["unit"][pi]],
        "post_type": np.where(p["cadre"][pi], "1", "2"),
        "work_start_date": dstr(p["work_start"][pi]), "first_insured_date": dstr(p["first"][pi]),
        "deemed_months": p["deemed"][pi].astype(str), "paid_months": p["paid"][pi].astype(str),
        "insured_status": s[pi].astype(str)}

    ci, base, ann = cur["payers"], cur["base"], cur["annuity"]
    paid = month_to_date(m, 1) + rng_days(world, month, len(ci))
    out["public_pension_contribution"] = {
        "data_month": np.full(len(ci), month), "person_id": pid(ci), "unit_id": uidf(p["unit"][ci]),
        "fee_month": np.full(len(ci), month), "contribution_base": money(base),
        "employer_amount": money(base * EMPLOYER_RATE), "employee_amount": money(base * EMPLOYEE_RATE),
        "annuity_employer_amount": money(np.where(ann, base * ANNUITY_EMPLOYER_RATE, 0.0)),
        "annuity_employee_amount": money(np.where(ann, base * ANNUITY_EMPLOYEE_RATE, 0.0)),
        "paid_date": dstr(paid)}

    ri = np.flatnonzero(np.isin(s, [RETIRED, DEAD]))
    out["public_pension_retiree"] = {
        "data_month": np.full(len(ri), month), "person_id": pid(ri), "id_number": p["idno"][ri],
        "person_name": p["name"][ri], "gender": p["gender"][ri], "birth_date": dstr(p["birth"][ri]),
        "unit_id": uidf(p["retire_unit"][ri]), "district_code": p["retire_district"][ri],
        "retire_date": dstr(p["retire_date"][ri]), "retire_type": p["retire_type"][ri],
        "deemed_months": p["deemed"][ri].astype(str), "paid_months": p["paid"][ri].astype(str),
        "basic_pension": money(p["basic"][ri]), "account_pension": money(p["acct_pension"][ri]),
        "transitional_pension": money(p["trans"][ri]), "monthly_pension": money(pension_total(p, ri))}

    pay = payments(st)
    out["public_pension_payment"] = {
        "data_month": np.full(len(pay["idx"]), month), "person_id": pid(pay["idx"]), "payment_item": pay["item"],
        "amount": money(pay["amount"]), "paid_date": dstr(np.full(len(pay["idx"]), month_to_date(m, 10)))}
    return out


def rng_days(world, month: str, n: int) -> np.ndarray:
    return world.rng(SOURCE + "/paid", month).integers(4, 25, size=n)


def payments(st: dict) -> dict[str, np.ndarray]:
    """This month's payments: pension (01) to every retiree incl. those who died in the month, back pay
    (02) after the August adjustment, funeral grant and lump-sum compensation (03) for the deceased."""
    p, cur = st["p"], st["cur"]
    ri = np.flatnonzero(np.isin(p["state"], [RETIRED, DEAD]))
    died = cur["died"]
    adj = cur["adjust"]
    back = np.round((pension_total(p, adj) - cur["adjust_old"]) * (ADJUST_MONTH - 1), 2)
    has_back = back > 0
    idx = np.concatenate([ri, adj[has_back], died])
    item = np.concatenate([np.full(len(ri), "01"), np.full(int(has_back.sum()), "02"), np.full(len(died), "03")])
    amount = np.concatenate([pension_total(p, ri), back[has_back], np.round(pension_total(p, died) * 2 + 5000, 2)])
    return {"idx": idx, "item": item, "amount": amount, "district": p["retire_district"][idx]}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    from foundation.spec import code_table

    names = code_table("district")
    dists = np.array(sorted(c for c, r in names.items() if r["is_current"] == "true"))
    units, persons = files["public_pension_unit"], files["public_pension_person"]
    contrib, retirees, pays = files["public_pension_contribution"], files["public_pension_retiree"], \
        files["public_pension_payment"]

    def lookup(keys, ids, values):
        order = np.argsort(ids)
        return values[order][np.searchsorted(ids[order], keys)]

    c_dist = lookup(contrib["person_id"], persons["person_id"], persons["district_code"])
    p_dist = lookup(pays["person_id"], retirees["person_id"], retirees["district_code"])
    c_basic = cents(contrib["employer_amount"].astype(float)) + cents(contrib["employee_amount"].astype(float))
    c_ann = cents(contrib["annuity_employer_amount"].astype(float)) + \
        cents(contrib["annuity_employee_amount"].astype(float))
    active = np.isin(persons["insured_status"], ["1", "2"])
    ones = lambda mask: np.bincount(np.searchsorted(dists, mask), minlength=len(dists))
    sums = lambda keys, v: np.bincount(np.searchsorted(dists, keys), weights=v, minlength=len(dists))
    u_n = ones(units["district_code"][units["unit_status"] == "1"])
    a_n = ones(persons["district_code"][active])
    r_n = ones(retirees["district_code"])
    contributors = ones(c_dist)  # one contribution row per person and month
    inc = sums(c_dist, c_basic.astype(float))
    inc_a = sums(c_dist, c_ann.astype(float))
    paid = sums(p_dist, cents(pays["amount"].astype(float)).astype(float))
    return {"public_pension": [
        {"district_code": str(d), "district_name": names[d]["name"], "units": int(u_n[i]),
         "insured_active": int(a_n[i]), "insured_retired": int(r_n[i]), "contributors": int(contributors[i]),
         "contribution_income": int(round(inc[i])) / 100, "annuity_income": int(round(inc_a[i])) / 100,
         "pension_paid": int(round(paid[i])) / 100} for i, d in enumerate(dists)]}
