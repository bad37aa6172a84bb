"""A consistent population of insured persons and employers, evolved month by month.

State lives in NumPy arrays (one element per person / unit) so every monthly step is vectorised; text is
fixed-width (names too: no Python objects), so a person costs a few hundred bytes at scale 1.0.
People age, join, change employer (and so district), pause and resume paying, leave, retire under
the gradual retirement-age rules in force from 2025, and die; units open and close.
All randomness comes from one seeded generator, so a seed and a month sequence give the same data.
"""
from __future__ import annotations

import zlib

import numpy as np

from foundation.checkdigits import CREDIT_CHARS, credit_check_chars, id_check_chars
from foundation.months import month_index

# Shares of insured workers by district (est., from employment by district), GB/T 2260 order.
DISTRICTS = np.array(["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
                      "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119"])
DISTRICT_SHARE = np.array([7.5, 11.0, 22.0, 7.0, 3.0, 19.0, 0.8, 2.5, 4.5, 5.0, 5.5, 6.5, 1.2, 1.0, 1.3, 1.0])
RETIRED_ADDRESS = {"110101": "110103", "110102": "110104", "110118": "110228", "110119": "110229"}
OUT_OF_TOWN_ADDRESS = np.array(["130102", "130602", "370102", "410105", "420102", "510104", "120101",
                                "230102", "340102", "610102"])
INDUSTRIES = np.array(list("ABCDEFGHIJKLMNOPQRST"))
INDUSTRY_SHARE = np.array([0.3, 0.5, 9, 1.5, 6, 12, 5, 4, 15, 8, 4, 12, 10, 1.5, 2.5, 2, 3, 2.2, 1.5, 0.05])
# Divisions (GB/T 4754-2017 大类, code table code_industry_division) within each section, with their share of
# the section's units (est., Beijing: manufacturing led by electronics, pharmaceuticals, equipment and vehicles;
# mining mostly head offices of coal and oil companies; services by their large divisions).
DIVISION_SHARE = {
    "A": {"01": 40, "02": 15, "03": 15, "04": 5, "05": 25},
    "B": {"06": 30, "07": 25, "08": 5, "09": 5, "10": 10, "11": 20, "12": 5},
    "C": {"13": 3, "14": 4, "15": 3, "16": 0.3, "17": 1, "18": 3, "19": 0.5, "20": 0.5, "21": 2, "22": 1,
          "23": 5, "24": 2, "25": 1, "26": 5, "27": 9, "28": 0.2, "29": 3, "30": 5, "31": 0.5, "32": 1,
          "33": 5, "34": 7, "35": 8, "36": 6, "37": 3, "38": 6, "39": 10, "40": 5, "41": 1, "42": 0.5,
          "43": 1},
    "D": {"44": 60, "45": 20, "46": 20},
    "E": {"47": 35, "48": 25, "49": 15, "50": 25},
    "F": {"51": 60, "52": 40},
    "G": {"53": 5, "54": 35, "55": 2, "56": 8, "57": 1, "58": 20, "59": 14, "60": 15},
    "H": {"61": 30, "62": 70},
    "I": {"63": 10, "64": 30, "65": 60},
    "J": {"66": 35, "67": 30, "68": 20, "69": 15},
    "K": {"70": 1},
    "L": {"71": 10, "72": 90},
    "M": {"73": 25, "74": 50, "75": 25},
    "N": {"76": 10, "77": 40, "78": 45, "79": 5},
    "O": {"80": 45, "81": 25, "82": 30},
    "P": {"83": 1},
    "Q": {"84": 85, "85": 15},
    "R": {"86": 20, "87": 25, "88": 30, "89": 10, "90": 15},
    "S": {"91": 5, "92": 15, "93": 3, "94": 20, "95": 40, "96": 17},
    "T": {"97": 1},
}
ECON_TYPES = np.array(["110", "120", "130", "140", "150", "160", "170", "190", "200", "300"])
ECON_SHARE = np.array([6, 2, 0.5, 0.2, 35, 8, 40, 2.3, 2, 4])
HUKOU = np.array(["11", "12", "21", "22"])
HUKOU_SHARE = np.array([52, 6, 30, 12])

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏文斌宇浩凯健俊帆帅旭宁欣悦晨琳雪梅莉婷颖慧")
UNIT_WORDS = ["科技", "商贸", "建设", "信息", "文化", "医药", "物流", "餐饮", "咨询", "电子", "能源", "机械", "传媒", "地产", "教育"]
UNIT_SUFFIX = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]

# Scale 1.0 = Beijing: ≈17.6 million enterprise-pension insured of whom ≈ a quarter retired, ≈1 million units.
ACTIVE_AT_SCALE_1 = 13_200_000
RETIRED_AT_SCALE_1 = 4_400_000
UNITS_AT_SCALE_1 = 1_000_000

# Monthly transition probabilities.
P_LEAVE = 0.004
P_JOIN = 0.0055
P_CHANGE_UNIT = 0.008
P_SUSPEND = 0.006
P_RESUME = 0.12
P_ARREARS_ON_RESUME = 0.5
P_DEATH = 0.0022
P_UNIT_OPEN = 0.004
P_UNIT_CLOSE = 0.003

EPOCH = np.datetime64("1970-01-01")
REFORM_START = month_index("202501")


def _choice(rng, values, share, n):
    p = np.asarray(share, dtype=float)
    return values[rng.choice(len(values), size=n, p=p / p.sum())]


def systematic_counts(rng, expected: np.ndarray) -> np.ndarray:
    """Integer counts for groups with the given expected counts (floats ≥ 0): systematic sampling with one random
    start, so each count is the floor or the ceiling of its expectation and E[count] = expectation exactly. Against
    independent draws (multinomial) this keeps every ratio in expectation and removes the chance zeros: a group
    expecting 1.3 events gets 1 or 2, never 0 (a drop at 1/50 of Beijing would otherwise show empty months for its
    small districts). The total is the expected total rounded at random (exact when it is an integer)."""
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(expected, dtype=float))])
    return np.diff(np.floor(cum + rng.random())).astype(np.int64)


def district_choice(rng, cand: np.ndarray, cand_district: np.ndarray, n: int, p: np.ndarray | None = None,
                    replace: bool = True) -> np.ndarray:
    """`n` elements of `cand` drawn with probabilities `p` (default uniform), like rng.choice, but stratified by
    district: each district gets its expected number (n × its share of p) by systematic_counts, then its elements are
    drawn inside it. Districts keep the share of events their population gives them; no district loses a month by
    chance. Without replacement a district's count is capped at its candidates (the rest is not redrawn)."""
    cand = np.asarray(cand)
    if n <= 0 or not len(cand):
        return cand[:0]
    w = np.ones(len(cand)) if p is None else np.asarray(p, dtype=float)
    codes, inv = np.unique(np.asarray(cand_district), return_inverse=True)
    totals = np.bincount(inv, weights=w, minlength=len(codes))
    counts = systematic_counts(rng, n * totals / totals.sum())
    order = np.argsort(inv, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inv, minlength=len(codes)))])
    out = []
    for g, k in enumerate(counts):
        if k <= 0:
            continue
        idx = order[bounds[g]:bounds[g + 1]]
        wg = w[idx]
        if not replace:
            k = min(k, int((wg > 0).sum()))
        out.append(cand[idx[rng.choice(len(idx), size=k, replace=replace, p=wg / wg.sum())]])
    picked = np.concatenate(out) if out else cand[:0]
    return picked[rng.permutation(len(picked))]


def allocate_districts(rng, n: int, share=None) -> np.ndarray:
    """`n` district codes in random order, each district's number systematic around n × its share."""
    share = DISTRICT_SHARE if share is None else np.asarray(share, dtype=float)
    codes = np.repeat(DISTRICTS, systematic_counts(rng, n * share / share.sum()))
    return codes[rng.permutation(len(codes))]


def draw_divisions(rng, sections: np.ndarray) -> np.ndarray:
    """A division (大类) within each unit's section, drawn with DIVISION_SHARE."""
    out = np.empty(len(sections), dtype="U2")
    for section, shares in DIVISION_SHARE.items():
        idx = np.flatnonzero(sections == section)
        if len(idx):
            out[idx] = _choice(rng, np.array(list(shares)), list(shares.values()), len(idx))
    return out


def month_to_date(idx: np.ndarray | int, day: int = 1) -> np.ndarray:
    """Month index (months since year 0) → datetime64[D] of that month's `day`."""
    m = np.asarray(idx) - 1970 * 12
    return m.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)


def date_month_index(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def retirement_month(birth: np.ndarray, gender: np.ndarray, cadre: np.ndarray) -> np.ndarray:
    """Month index of retirement: men 60, women 50 (workers) / 55 (cadres), delayed gradually from 2025."""
    women50 = (gender == "2") & ~cadre
    base_age = np.where(gender == "1", 60, np.where(cadre, 55, 50))
    old = date_month_index(birth) + base_age * 12 + 1
    k = old - REFORM_START
    delay = np.where(women50, np.minimum(60, k // 2 + 1), np.minimum(36, k // 4 + 1))
    return np.where(k >= 0, old + delay, old)


ID_CHUNK = 500_000  # ID numbers whose check character is computed at a time (17 int64 digits each)


def _with_check_chars(first17: np.ndarray) -> np.ndarray:
    """The first 17 characters of ID numbers → the 18-character numbers with their GB 11643 check character,
    ID_CHUNK rows at a time (the digit matrix is 136 bytes a person)."""
    n = len(first17)
    if not n:
        return first17
    checks = []
    for i in range(0, n, ID_CHUNK):
        part = first17[i:i + ID_CHUNK]
        digits = (np.frombuffer("".join(part).encode(), dtype=np.uint8).reshape(len(part), 17) - 48).astype(np.int64)
        checks.append(id_check_chars(digits))
        del digits
    return np.char.add(first17, np.concatenate(checks))


def _append(arrays: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> None:
    """arrays[k] += new[k] for every column, one column at a time, each new column freed once appended (the caller
    holds no other reference), so the peak is the population plus one column, not the population plus all new
    rows twice. Appending to an empty column takes the new one as it is (no copy), in the dtype concatenation
    would give."""
    for k in list(new):
        v = new.pop(k)
        old = arrays[k]
        arrays[k] = np.concatenate([old, v]) if len(old) else v.astype(np.result_type(old, v), copy=False)
        del v, old


class Population:
    """Units and persons; `step(month)` advances to that month and returns what happened in it."""

    def __init__(self, scale: float, seed: int, start_month: str):
        self.rng = np.random.default_rng(seed)
        # Divisions come from their own stream, so adding them left every other draw (and file) unchanged.
        self.division_rng = np.random.default_rng([seed, zlib.crc32(b"industry_division")])
        self.month = month_index(start_month) - 1
        self.next_person = 1
        self.next_unit = 1
        self.units = {k: np.empty(0, dtype=t) for k, t in
                      [("uid", np.int64), ("credit", "U18"), ("name", "U12"), ("district", "U6"),
                       ("industry", "U1"), ("division", "U2"), ("econ", "U3"), ("open", "datetime64[D]"),
                       ("alive", bool), ("weight", float)]}
        self.p = {k: np.empty(0, dtype=t) for k, t in
                  [("pid", np.int64), ("idno", "U18"), ("name", "U3"), ("gender", "U1"),
                   ("birth", "datetime64[D]"), ("hukou", "U2"), ("cadre", bool), ("unit", np.int64),
                   ("first", "datetime64[D]"), ("state", np.int8), ("wage", float), ("months", np.int64),
                   ("retire_date", "datetime64[D]"), ("retire_type", "U1"), ("pension", float),
                   ("phone", "S11"), ("retire_district", "U6")]}
        n_units = max(20, round(UNITS_AT_SCALE_1 * scale))
        self._open_units(n_units, initial=True)
        self._add_people(max(50, round(ACTIVE_AT_SCALE_1 * scale)), initial="active")
        self._add_people(max(20, round(RETIRED_AT_SCALE_1 * scale)), initial="retired")

    # person states
    ACTIVE, SUSPENDED, LEFT, RETIRED, DEAD = 1, 2, 3, 4, 5

    # ---- creation -------------------------------------------------------------------------------
    def _open_units(self, n: int, initial: bool = False) -> None:
        rng = self.rng
        uid = np.arange(self.next_unit, self.next_unit + n)
        self.next_unit += n
        district = allocate_districts(rng, n)
        econ = _choice(rng, ECON_TYPES, ECON_SHARE, n)
        kind = np.where(np.isin(econ, ["110", "120"]), "11", "91")
        body = rng.integers(0, 31, size=(n, 9))
        head = np.array([[CREDIT_CHARS.index(k[0]), CREDIT_CHARS.index(k[1])] for k in kind])
        region = np.array([[int(c) for c in d] for d in district])
        vals = np.concatenate([head, region, body], axis=1)
        chars = np.array(list(CREDIT_CHARS))[vals]
        credit = np.array(["".join(r) for r in chars]) if n else np.empty(0, "U18")
        credit = np.char.add(credit, credit_check_chars(vals)) if n else credit
        parts = [np.array(words)[rng.integers(0, len(words), n)] for words in (SURNAMES, GIVEN, UNIT_WORDS, UNIT_SUFFIX)]
        names = np.char.add("北京", parts[0])
        for part in parts[1:]:
            names = np.char.add(names, part)
        if initial:
            open_month = self.month - rng.integers(0, 360, size=n)
        else:
            open_month = np.full(n, self.month)
        weight = rng.pareto(1.3, size=n) + 1.0  # a few big employers, a long tail of small ones
        industry = _choice(rng, INDUSTRIES, INDUSTRY_SHARE, n)
        new = {"uid": uid, "credit": credit, "name": names, "district": district,
               "industry": industry, "division": draw_divisions(self.division_rng, industry), "econ": econ,
               "open": month_to_date(open_month, 1) + rng.integers(0, 28, size=n),
               "alive": np.ones(n, bool), "weight": weight}
        del uid, credit, names, district, econ, weight, industry, kind, body, head, region, vals, chars, parts
        _append(self.units, new)

    def _pick_units(self, n: int) -> np.ndarray:
        """Units for `n` persons (joiners, movers): each district gets its share of the persons (DISTRICT_SHARE,
        the districts' shares of insured workers), then units inside it by size, so a district's employment follows
        its real size rather than the luck of a few large employers."""
        alive = np.flatnonzero(self.units["alive"])
        d = self.units["district"][alive]
        w = self.units["weight"][alive]
        di = np.searchsorted(DISTRICTS, d)        # DISTRICTS is sorted: the district's index, for its share
        tot = np.bincount(di, weights=w, minlength=len(DISTRICTS))[di]
        return district_choice(self.rng, alive, d, n, w / tot * DISTRICT_SHARE[di])

    def _add_people(self, n: int, initial: str | None = None) -> None:
        rng = self.rng
        gender = np.where(rng.random(n) < 0.54, "1", "2")
        cadre = rng.random(n) < 0.3
        if initial == "retired":
            age_m = rng.integers(50 * 12, 95 * 12, size=n)
            age_m = np.where(gender == "1", np.maximum(age_m, 60 * 12 + 1), age_m)
        elif initial == "active":
            age_m = np.clip(rng.normal(39 * 12, 10 * 12, size=n), 18 * 12, 59 * 12).astype(np.int64)
        else:  # joiners are young
            age_m = np.clip(rng.normal(27 * 12, 5 * 12, size=n), 18 * 12, 50 * 12).astype(np.int64)
        birth = month_to_date(self.month - age_m, 1) + rng.integers(0, 28, size=n)
        hukou = _choice(rng, HUKOU, HUKOU_SHARE, n)
        units = self._pick_units(n)
        district = self.units["district"][units]
        # Address code in the ID number: Beijing hukou mostly the district (older people sometimes a retired
        # code), others from outside Beijing.
        address = district.copy()
        older = (date_month_index(birth) < month_index("198001")) & (rng.random(n) < 0.5)
        for cur, old in RETIRED_ADDRESS.items():
            address[(address == cur) & older] = old
        outside = np.isin(hukou, ["21", "22"])
        address[outside] = OUT_OF_TOWN_ADDRESS[rng.integers(0, len(OUT_OF_TOWN_ADDRESS), outside.sum())]
        seq = rng.integers(0, 500, size=n) * 2 + np.where(gender == "1", 1, 0)  # odd male, even female
        ymd = np.datetime_as_string(birth, unit="D")
        first17 = np.char.add(np.char.add(address, np.char.replace(ymd, "-", "")),
                              np.char.zfill(seq.astype(str), 3))
        idno = _with_check_chars(first17)
        del ymd, first17, address, older, outside, seq   # the ID number's parts: 100+ bytes a person
        s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
        g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
        g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
        name = np.char.add(np.char.add(s, g1), g2)   # fixed-width text (U3), not Python objects: 12 bytes a person
        insured_years = np.minimum((age_m - 18 * 12) // 12, 35)
        if initial:
            first_m = self.month - (rng.random(n) * np.maximum(insured_years, 0) * 12).astype(np.int64)
        else:
            first_m = np.full(n, self.month)
        wage = np.exp(rng.normal(np.log(11500), 0.55, size=n))
        months = np.maximum(self.month - first_m, 0)
        state = np.full(n, self.ACTIVE if initial != "retired" else self.RETIRED, dtype=np.int8)
        retire = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        pension = np.zeros(n)
        rtype = np.full(n, "", dtype="U1")
        if initial == "retired":
            rmonth = np.minimum(retirement_month(birth, gender, cadre), self.month)
            retire = month_to_date(rmonth, 1)
            months = rng.integers(180, 480, size=n)
            pension = np.round(np.clip(rng.normal(4700, 1300, size=n), 1800, 16000), 2)
            rtype = np.where(rng.random(n) < 0.9, "1", np.where(rng.random(n) < 0.6, "2", "3"))
            first_m = rmonth - months
        # '1' and ten digits (the draw has ten digits: no padding), as ASCII bytes
        phone = np.char.add(b"1", rng.integers(3_000_000_000, 9_999_999_999, n).astype("S10"))
        new = {"pid": np.arange(self.next_person, self.next_person + n), "idno": idno, "name": name,
               "gender": gender, "birth": birth, "hukou": hukou, "cadre": cadre,
               "unit": units, "first": month_to_date(first_m, 1), "state": state, "wage": wage,
               "months": months, "retire_date": retire, "retire_type": rtype, "pension": pension,
               "phone": np.where(rng.random(n) < 0.85, phone, b"").astype("S11"),  # ASCII bytes: 11 a person
               "retire_district": district}
        self.next_person += n
        del idno, name, gender, birth, hukou, cadre, units, state, wage, months, retire, pension, rtype, phone, district
        _append(self.p, new)

    # ---- monthly step ---------------------------------------------------------------------------
    def step(self) -> dict:
        """Advance one month. Returns index arrays of what happened in the new month."""
        rng = self.rng
        self.month += 1
        p, u = self.p, self.units
        st = p["state"]
        # Gone last month (left / died) no longer appear; drop them to keep arrays compact.
        keep = ~np.isin(st, [self.LEFT, self.DEAD])
        for k in p:
            p[k] = p[k][keep]
        st = p["state"]
        n = len(st)

        # Units: close a few (their staff move elsewhere), open a few.
        alive = np.flatnonzero(u["alive"])
        closing = alive[rng.random(len(alive)) < P_UNIT_CLOSE]
        u["alive"][closing] = False
        self._open_units(max(1, rng.binomial(len(alive), P_UNIT_OPEN)))
        working = np.isin(st, [self.ACTIVE, self.SUSPENDED])
        displaced = working & np.isin(p["unit"], closing)
        movers = working & (rng.random(n) < P_CHANGE_UNIT) | displaced
        p["unit"][movers] = self._pick_units(int(movers.sum()))

        # Pause, resume, leave.
        r = rng.random(n)
        resumed = (st == self.SUSPENDED) & (r < P_RESUME)
        suspended = (st == self.ACTIVE) & (r < P_SUSPEND)
        left = working & (rng.random(n) < P_LEAVE)
        st[resumed] = self.ACTIVE
        st[suspended] = self.SUSPENDED
        st[left] = self.LEFT

        # Retire when the (gradually delayed) retirement month is reached.
        due = np.isin(st, [self.ACTIVE, self.SUSPENDED]) & (
            retirement_month(p["birth"], p["gender"], p["cadre"]) <= self.month)
        st[due] = self.RETIRED
        p["retire_date"][due] = month_to_date(self.month, 1)
        p["retire_type"][due] = "1"
        p["retire_district"][due] = u["district"][p["unit"][due]]
        base = self.clip_base(p["wage"][due])
        p["pension"][due] = np.round(np.maximum(1800, base * (0.20 + p["months"][due] / 12 * 0.011)), 2)

        # Deaths among retirees.
        died = (st == self.RETIRED) & ~due & (rng.random(n) < P_DEATH)
        st[died] = self.DEAD

        # Wage growth once a year (July, when the new base limits apply).
        if self.month % 12 == 6:
            p["wage"] *= rng.normal(1.045, 0.03, size=n)
        contributing = st == self.ACTIVE
        p["months"][contributing] += 1

        self._add_people(max(1, rng.binomial(int(working.sum()), P_JOIN)))
        joiners_from = n
        return {"resumed": np.flatnonzero(resumed), "retired": np.flatnonzero(due),
                "died": np.flatnonzero(died), "closing_units": closing, "joiners_from": joiners_from}

    # Base limits are injected by the generator (from the caliber seed) before stepping.
    base_limits: tuple[float, float] = (6821.0, 35283.0)

    def clip_base(self, wage: np.ndarray) -> np.ndarray:
        lo, hi = self.base_limits
        return np.clip(np.round(wage), lo, hi)
