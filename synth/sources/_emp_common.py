"""Helpers shared by the employee-insurance sources (unemployment, injury, maternity, medical_account).

Membership: one stable per-person value in [0, 1) (Fibonacci hashing of the person number) decides
which insurances a person is in, nested the way Beijing's figures are (medical ⊃ unemployment ⊃
injury ⊃ maternity), so the same person is insured consistently across sources and months.
Formatting: fast vectorised string conversions (values already formatted the way the files carry them).
"""
from __future__ import annotations

import weakref

import numpy as np

from synth.population import Population, date_month_index, month_to_date

# Share of the enterprise employee population (active and suspended workers) insured, year-end 2021:
# insured ÷ enterprise-pension insured 17.25 million.
SHARE_UNEMPLOYMENT = 13.58 / 17.25   # ≈ 0.787
SHARE_INJURY = 13.06 / 17.25         # ≈ 0.757
SHARE_MATERNITY = 10.83 / 17.25      # ≈ 0.628
SHARE_MEDICAL_ACTIVE = 0.86          # medical 14.86 million incl. retirees (est. split)
SHARE_MEDICAL_RETIRED = 0.82

# Numbers behind formatted columns, so a check table computed from the delivered rows need not parse
# a million strings again: id(string array) → (weak reference to it, numeric values). Entries vanish with
# the array; a column not found here (e.g. one built elsewhere) is parsed.
_NUMERIC: dict[int, tuple] = {}


def remember(strings: np.ndarray, values: np.ndarray) -> np.ndarray:
    key = id(strings)
    _NUMERIC[key] = (weakref.ref(strings, lambda _, k=key: _NUMERIC.pop(k, None)), values)
    return strings


def _known(strings) -> np.ndarray | None:
    hit = _NUMERIC.get(id(strings))
    if hit is not None and hit[0]() is strings:
        return hit[1]
    return None


def member_value(pid: np.ndarray) -> np.ndarray:
    """Stable pseudo-uniform value in [0, 1) per person number."""
    h = (np.asarray(pid).astype(np.uint64) * np.uint64(2654435761)) % np.uint64(1 << 32)
    return h.astype(np.float64) / float(1 << 32)


def member_mask(pop: Population, share: float, states) -> np.ndarray:
    p = pop.p
    return np.isin(p["state"], states) & (member_value(p["pid"]) < share)


def person_hash(pid: np.ndarray, month: str, salt: int) -> np.ndarray:
    """Deterministic per person and month value in [0, 1) (e.g. who pays arrears on resuming) that all
    employee-insurance sources agree on."""
    x = np.asarray(pid).astype(np.uint64) * np.uint64(1_000_003) + np.uint64(int(month) * 31 + salt)
    return member_value(x % np.uint64(1 << 31))


WORKING = (Population.ACTIVE, Population.SUSPENDED)
WORKING_OR_LEFT = (Population.ACTIVE, Population.SUSPENDED, Population.LEFT)


# ---- formatting ----------------------------------------------------------------------------------
def ints(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.int64)
    return remember(v.astype(str), v)


def _digit_matrix(v: np.ndarray, width: int, dtype=np.uint8) -> np.ndarray:
    """Non-negative integers → (n, width) array of digit characters (ASCII bytes; np.uint32 for UCS-4),
    zero-padded on the left."""
    out = np.empty((len(v), width), dtype=dtype)
    rem = np.array(v, dtype=np.int64)
    for k in range(width - 1, -1, -1):
        out[:, k] = rem % 10
        rem //= 10
    out += 48
    return out


def zfill(v: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers (< 10**width) → zero-padded strings, without going through str()."""
    v = np.asarray(v, dtype=np.int64)
    return np.ascontiguousarray(_digit_matrix(v, width, np.uint32)).view(f"<U{width}").reshape(len(v))


def zfill_bytes(v: np.ndarray, width: int) -> np.ndarray:
    """zfill as ASCII bytes (dtype S: a byte a digit instead of four; the renderer writes them as text), for
    columns that go to the file as they are."""
    v = np.asarray(v, dtype=np.int64)
    return np.ascontiguousarray(_digit_matrix(v, width)).view(f"S{width}").reshape(len(v))


def pid_str(pid: np.ndarray) -> np.ndarray:
    return remember(zfill_bytes(pid, 12), np.asarray(pid, dtype=np.int64))


def uid_str(uid: np.ndarray) -> np.ndarray:
    return zfill_bytes(uid, 10)


def district_str(codes: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
    """A district column codes[index] (e.g. units' districts by the persons' unit), numbers remembered."""
    codes = np.asarray(codes, dtype="U6")
    nums = codes.astype(np.int64) if len(codes) else np.zeros(0, np.int64)
    if index is None:
        return remember(codes.copy(), nums)
    return remember(codes[index], nums[index])


def money(values: np.ndarray) -> np.ndarray:
    """Non-negative amounts → 'x.yy' (half-up on the cent)."""
    c = np.floor(np.asarray(values, dtype=np.float64) * 100 + 0.5 + 1e-9).astype(np.int64)
    return money_cents(c)


def money_cents(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, dtype=np.int64)
    n = len(c)
    if n == 0:
        return np.empty(0, dtype="S4")
    whole = c // 100
    digits = np.ones(n, dtype=np.int64)
    t = whole // 10
    while (t > 0).any():
        digits += t > 0
        t //= 10
    out = np.zeros(n, dtype=f"S{int(digits.max()) + 3}")   # ASCII bytes, rendered as text
    for k in np.unique(digits):  # one pass per number of digits (≤ a dozen)
        k = int(k)
        sel = np.flatnonzero(digits == k)
        m = np.empty((len(sel), k + 3), dtype=np.uint8)
        m[:, :k] = _digit_matrix(whole[sel], k)
        m[:, k] = 46  # '.'
        m[:, k + 1:] = _digit_matrix(c[sel] % 100, 2)
        out[sel] = m.view(f"S{k + 3}").reshape(len(sel))
    return remember(out, c)


def round2(values: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(values, dtype=np.float64) * 100 + 0.5 + 1e-9) / 100


def dates(d: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYYMMDD' as ASCII bytes (dtype S8; b'' for NaT)."""
    d = np.asarray(d, dtype="datetime64[D]")
    if len(d) == 0:
        return np.empty(0, dtype="S8")
    nat = np.isnat(d)
    safe = np.where(nat, np.datetime64("2000-01-01"), d)
    y = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    m = safe.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (safe - safe.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    s = zfill_bytes(y * 10000 + m * 100 + day, 8)
    return np.where(nat, b"", s) if nat.any() else s


def full(n: int, value: str) -> np.ndarray:
    return np.full(n, value)


def cents(strings: np.ndarray) -> np.ndarray:
    """Formatted money strings → exact integer cents ('' → 0)."""
    known = _known(strings)
    if known is not None:
        return known
    s = np.asarray(strings)
    if len(s) == 0:
        return np.zeros(0, np.int64)
    empty, zero = (b"", b"0") if s.dtype.kind == "S" else ("", "0")
    s = np.where(s == empty, zero, s)
    return np.round(s.astype(np.float64) * 100).astype(np.int64)


def as_int(strings: np.ndarray) -> np.ndarray:
    """Integer column (person numbers, district codes, counts) → int64, from memory when possible."""
    known = _known(strings)
    if known is not None:
        return known
    s = np.asarray(strings)
    return s.astype(np.int64) if len(s) else np.zeros(0, np.int64)


def day_in_month(month_idx: int, rng: np.random.Generator, n: int, lo: int = 1, hi: int = 28) -> np.ndarray:
    """Random dates in a month (days lo..hi)."""
    return month_to_date(month_idx, 1) + rng.integers(lo - 1, hi, size=n)


def age_years(birth: np.ndarray, month_idx: int) -> np.ndarray:
    return (month_idx - date_month_index(birth)) // 12


def force_min(planned: np.ndarray, month_idx: int, k: int, eligible: np.ndarray | None = None) -> None:
    """Make sure at least k items are planned for `month_idx`: pull forward the pending items planned
    soonest after it (in place). Keeps tiny-scale months from coming out empty."""
    due = int((planned == month_idx).sum())
    if due >= k:
        return
    later = np.flatnonzero((planned > month_idx) & (eligible if eligible is not None else True))
    if len(later) == 0:
        return
    take = later[np.argsort(planned[later], kind="stable")[: k - due]]
    planned[take] = month_idx


# ---- the insured-person files -------------------------------------------------------------------
def insured_file(p: dict, u: dict, pi: np.ndarray, month: str, hukou: bool = False) -> dict:
    """An insured-person file (persons pi of the population): the columns the check tables read (person number,
    district, status) whole, the others formatted a block of rows at a time while the file is written
    (synth.blocks; the bytes are those of whole columns)."""
    from synth.blocks import RowBlocks

    unit = p["unit"][pi]

    def block(b0: int, b1: int) -> dict:
        i = pi[b0:b1]
        out = {"data_month": full(b1 - b0, month), "id_number": p["idno"][i], "person_name": p["name"][i].astype(str),
               "gender": p["gender"][i], "birth_date": dates(p["birth"][i]),
               "unit_id": uid_str(u["uid"][unit[b0:b1]]), "first_insured_date": dates(p["first"][i])}
        if hukou:
            out["hukou_type"] = p["hukou"][i]
        return out

    names = ("data_month", "id_number", "person_name", "gender", "birth_date", "unit_id", "first_insured_date")
    return {**RowBlocks(len(pi), block).columns(names + (("hukou_type",) if hukou else ())),
            "person_id": pid_str(p["pid"][pi]), "district_code": district_str(u["district"], unit),
            "insured_status": p["state"][pi].astype(str)}


# ---- check tables --------------------------------------------------------------------------------
def current_districts() -> list[tuple[str, str]]:
    from foundation.spec import code_table

    return [(c, r["name"]) for c, r in code_table("district").items() if r["is_current"] == "true"]


def by_district(district: np.ndarray, weights: np.ndarray | None = None) -> dict[str, int]:
    """Totals per district code (counts, or sums of integer weights such as cents)."""
    keys = as_int(district)
    if len(keys) == 0:
        return {}
    codes, inv = np.unique(keys, return_inverse=True)
    tot = np.bincount(inv, weights=None if weights is None else np.asarray(weights, dtype=np.float64),
                      minlength=len(codes))
    return {str(k): int(round(t)) for k, t in zip(codes, tot)}


def distinct_by_district(district: np.ndarray, key: np.ndarray) -> dict[str, int]:
    """Number of distinct keys (person numbers, case numbers) per district."""
    d = as_int(district)
    if len(d) == 0:
        return {}
    k = _known(key)
    if k is None:
        k = np.unique(np.asarray(key), return_inverse=True)[1]
    pairs = np.unique(d * (1 << 40) + np.asarray(k, dtype=np.int64))
    return by_district(pairs >> 40)


def lookup(keys: np.ndarray, table_keys: np.ndarray, table_values: np.ndarray, default=0) -> np.ndarray:
    """Vectorised dict lookup on integer keys: table_values where table_keys == keys, else default."""
    keys, table_keys, table_values = (np.asarray(x) for x in (keys, table_keys, table_values))
    if len(keys) == 0 or len(table_keys) == 0:
        return np.full(len(keys), default, dtype=table_values.dtype)
    order = np.argsort(table_keys, kind="stable")
    sk = table_keys[order]
    pos = np.clip(np.searchsorted(sk, keys), 0, len(sk) - 1)
    return np.where(sk[pos] == keys, table_values[order][pos], default)
