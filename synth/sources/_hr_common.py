"""Shared helpers of the HR-market and labour-relations sources (unemployed_registry, job_market, training,
arbitration, petition, hotline). Not a source itself (the leading underscore keeps it out of discovery).

Everything is vectorised: persons outside the employee population (people who never were insured,
graduates, petitioners ...) are made here with valid GB 11643 ID numbers, and per-district totals for the
check tables are computed with one pass per district (16 groups).
"""
from __future__ import annotations

import numpy as np

from foundation.checkdigits import id_check_chars
from foundation.months import month_index
from synth.population import (
    DISTRICT_SHARE,
    GIVEN,
    HUKOU,
    OUT_OF_TOWN_ADDRESS,
    SURNAMES,
    allocate_districts,
    month_to_date,
)

NAT = np.datetime64("NaT")


def pick(rng: np.random.Generator, codes, shares, n: int) -> np.ndarray:
    codes = np.asarray(codes)
    p = np.asarray(shares, dtype=float)
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def districts(rng: np.random.Generator, n: int, share=DISTRICT_SHARE) -> np.ndarray:
    """`n` districts, each district's number systematic around n × its share (synth.population.allocate_districts)."""
    return allocate_districts(rng, n, share)


def d8(values: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYYMMDD' ('' for NaT)."""
    values = np.asarray(values, dtype="datetime64[D]")
    if not values.size:
        return np.empty(values.shape, "U8")
    s = np.char.replace(np.datetime_as_string(values, unit="D"), "-", "")
    return np.where(np.isnat(values), "", s)


def money(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%.2f", np.round(np.asarray(values, dtype=float), 2))


def ints(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(np.int64).astype(str)


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """np.char.zfill that also accepts empty arrays."""
    values = np.asarray(values)
    return np.char.zfill(values, width) if values.size else np.empty(values.shape, f"U{width}")


def zid(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """prefix + zero-padded number, e.g. zid('SY', [7], 10) → 'SY00000007'."""
    return np.char.add(prefix, zfill(np.asarray(numbers, dtype=np.int64).astype(str), width - len(prefix)))


def pid12(pid: np.ndarray) -> np.ndarray:
    """The 12-digit 个人编号 used by the insurance systems (same as the pension files)."""
    return zfill(np.asarray(pid, dtype=np.int64).astype(str), 12)


def month_bounds(month: str) -> tuple[np.datetime64, int]:
    first = month_to_date(month_index(month), 1)
    days = int((month_to_date(month_index(month) + 1, 1) - first).astype(int))
    return first, days


def days_in(rng: np.random.Generator, month: str, n: int, last_day: int | None = None,
            weekday_weight: float = 1.0) -> np.ndarray:
    """Random dates within the month (up to `last_day`); weekend days get 1/weekday_weight of the weight."""
    first, ndays = month_bounds(month)
    ndays = min(ndays, last_day or ndays)
    day = first + np.arange(ndays)
    wd = (day.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    w = np.where(wd < 5, weekday_weight, 1.0)
    return day[rng.choice(ndays, size=n, p=w / w.sum())]


def new_people(rng: np.random.Generator, n: int, on: np.datetime64, age_lo: int = 18, age_hi: int = 59,
               age_mean: float = 36.0, age_sd: float = 10.0, male: float = 0.52,
               district: np.ndarray | None = None, hukou_share=(50, 10, 28, 12)) -> dict[str, np.ndarray]:
    """Persons outside the employee population: ID number (valid check digit), name, gender, birth, hukou,
    district. `on` is the reference date for the age."""
    gender = np.where(rng.random(n) < male, "1", "2")
    age_days = np.clip(rng.normal(age_mean, age_sd, n), age_lo, age_hi + 0.9) * 365.25
    birth = (np.datetime64(on, "D") - age_days.astype(np.int64)).astype("datetime64[D]")
    hukou = pick(rng, HUKOU, hukou_share, n)
    district = districts(rng, n) if district is None else district
    address = np.where(np.isin(hukou, ["21", "22"]),
                       OUT_OF_TOWN_ADDRESS[rng.integers(0, len(OUT_OF_TOWN_ADDRESS), n)], district)
    seq = rng.integers(0, 500, n) * 2 + np.where(gender == "1", 1, 0)
    first17 = np.char.add(np.char.add(address, d8(birth)), zfill(seq.astype(str), 3))
    if n:
        digits = (np.frombuffer("".join(first17).encode(), dtype=np.uint8).reshape(n, 17) - 48).astype(np.int64)
        idno = np.char.add(first17, id_check_chars(digits))
    else:
        idno = first17.astype("U18")
    s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    name = np.char.add(np.char.add(s, g1), g2)
    return {"idno": idno.astype("U18"), "name": name.astype("U30"), "gender": gender, "birth": birth,
            "hukou": hukou, "district": district.astype("U6")}


def world_persons(world, idx: np.ndarray) -> dict[str, np.ndarray]:
    """The same fields for persons of the employee population (district = their employer's)."""
    p, u = world.people.p, world.people.units
    return {"pid": p["pid"][idx], "idno": p["idno"][idx].astype("U18"), "name": p["name"][idx].astype("U30"),
            "gender": p["gender"][idx], "birth": p["birth"][idx], "hukou": p["hukou"][idx],
            "district": u["district"][p["unit"][idx]].astype("U6")}


def lookup(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Positions of `query` values in `keys` (all must be present), vectorised."""
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], query)
    return order[pos] if len(query) else np.empty(0, np.int64)


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def take(d: dict[str, np.ndarray], idx) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in d.items()}


def district_table(district: np.ndarray, measures: dict[str, np.ndarray], money_cols: tuple = ()) -> list[dict]:
    """One row per current district: the sum of each measure (0/1 flags, counts or amounts) over the rows of
    that district. Amounts are summed in whole cents so the totals are exact."""
    from foundation.spec import code_table

    names = code_table("district")
    current = [c for c, r in names.items() if r["is_current"] == "true"]
    district = np.asarray(district)
    masks = [district == d for d in current]  # 16 groups
    rows = []
    for d, mask in zip(current, masks):
        r = {"district_code": d, "district_name": names[d]["name"]}
        for m, v in measures.items():
            v = np.asarray(v)
            if m in money_cols:
                r[m] = int(np.round(v[mask].astype(float) * 100).astype(np.int64).sum()) / 100
            else:
                r[m] = int(v[mask].astype(np.int64).sum())
        rows.append(r)
    return rows


def credit_codes(rng: np.random.Generator, kind: str, district: np.ndarray) -> np.ndarray:
    """Unified social credit codes (GB 32100) with a valid check character; `kind` the first two characters
    (e.g. '52' private non-enterprise unit, '91' enterprise), region = the district code."""
    from foundation.checkdigits import CREDIT_CHARS, credit_check_chars

    n = len(district)
    if not n:
        return np.empty(0, "U18")
    head = np.tile([CREDIT_CHARS.index(kind[0]), CREDIT_CHARS.index(kind[1])], (n, 1))
    region = (np.frombuffer("".join(district).encode(), dtype=np.uint8).reshape(n, 6) - 48).astype(np.int64)
    vals = np.concatenate([head, region, rng.integers(0, 31, size=(n, 9))], axis=1)
    chars = np.array(list(CREDIT_CHARS))[vals]
    first17 = chars.view("U17").ravel() if chars.dtype == "<U1" else np.array(["".join(r) for r in chars])
    return np.char.add(first17, credit_check_chars(vals)).astype("U18")
