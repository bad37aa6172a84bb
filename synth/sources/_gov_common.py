"""Shared by the external (governance) sources: 市公安局, 市经信局, 市场监管, 市残联, 市民政局, 市卫健委,
积分落户, 技能提升补贴.

They run after the production systems (``ORDER = 1``) and draw their people and units from the SAME simulated
world: the enterprise employee population (``world.people``) and the own populations of the
public-institution and residents pensions (``world.state``). A person has the same ID number everywhere, a unit
the same credit code. Each source keeps its own random stream (``world.rng(SOURCE…, month)``), so adding them
leaves every existing file byte-identical for a seed.

Cross-source anomalies (the ground truth the governance rules must find, and nothing else) are injected here at
the rates below and recorded with :func:`record` into ``world.anomalies`` → ``_manifest.json`` ("anomalies").
Identity noise of the external agencies (old 15-digit ID numbers, lower-case x, name typos) is recorded into
``world.identity_noise`` → ``_manifest.json`` ("identity").
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import GIVEN, Population, date_month_index, month_to_date
from synth.sources import public_pension as pub
from synth.sources import residents_pension as res
from synth.sources._emp_common import dates

# Injected cross-source anomalies: share of the eligible records per month (at least MIN_PER_MONTH).
ANOMALY_RATES = {
    "G_PERSON_DEATH_PAID": 0.0004,       # a living contributor / pensioner registered dead (police) or cremated
    "G_UNIT_DEREG_CONTRIB": 0.002,       # a contributing unit registered as deregistered (经信局)
    "G_ID_GENDER_MISMATCH": 0.001,       # gender field contradicts the ID number (police register, 残联)
    "G_ID_BIRTH_MISMATCH": 0.001,        # birth-date field contradicts the ID number (police register, 残联)
    "G_LOWINCOME_HIGH_BASE": 0.0003,     # a 低保/特困 recipient contributing on a high base (民政)
}
MIN_PER_MONTH = 1
# Identity noise of the external agencies (share of their rows).
OLD_ID_RATE = 0.05      # 15-digit ID numbers for people born before 1985 (civil affairs, 残联)
LOWER_X_RATE = 0.5      # of ID numbers ending in X, written with a lower-case x
NAME_TYPO_RATE = 0.01   # one character of the name mistyped


def k_of(rule: str, n: int) -> int:
    return min(n, max(MIN_PER_MONTH, int(round(ANOMALY_RATES[rule] * n))))


def record(world, rule: str, interface: str, month: str, key: str, detail: str = "") -> None:
    world.anomalies.append({"rule": rule, "interface": interface, "month": month, "key": key, "detail": detail})


class Joined:
    """A column of the table of every person (people()): the three populations' arrays joined without copying them.

    Holds references to the parts (a part is an array, or a (values, index) pair meaning values[index]) and gives
    what np.concatenate(parts).astype(dtype)[keep] would: gathering rows (``col[idx]``, idx an index array, a
    boolean mask or a slice) reads only those rows from their parts; anything else (comparisons, np.isin,
    np.asarray) sees the whole column, built for that expression and freed after it. The table was a second copy
    of every identity of the world (≈ 170 bytes a person) held through all the governance sources."""

    def __init__(self, parts: list, dtype=None, keep: np.ndarray | None = None):
        self.parts = parts
        lens = [len(p[1]) if isinstance(p, tuple) else len(p) for p in parts]
        self.bounds = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        self.dtype = np.dtype(dtype) if dtype is not None else np.result_type(
            *[(p[0] if isinstance(p, tuple) else p).dtype for p in parts])
        self.keep = keep

    def __len__(self) -> int:
        return int(self.bounds[-1]) if self.keep is None else len(self.keep)

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    def _whole(self) -> np.ndarray:
        out = np.concatenate([p[0][p[1]] if isinstance(p, tuple) else p for p in self.parts]).astype(self.dtype)
        return out if self.keep is None else out[self.keep]

    def __array__(self, dtype=None, copy=None):
        a = self._whole()
        return a if dtype is None else a.astype(dtype)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            idx = np.arange(len(self))[idx]
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        if idx.ndim == 0:
            return self[idx.reshape(1)][0]
        if self.keep is not None:
            idx = self.keep[idx]
        out = np.empty(len(idx), self.dtype)
        which = np.searchsorted(self.bounds, idx, side="right") - 1
        for j, part in enumerate(self.parts):
            sel = np.flatnonzero(which == j)
            if len(sel):
                local = idx[sel] - self.bounds[j]
                out[sel] = part[0][part[1][local]] if isinstance(part, tuple) else part[local]
        return out

    def take(self, idx: np.ndarray) -> Joined:
        """The rows `idx` (an index array) as a view: nothing gathered until read."""
        idx = np.asarray(idx, dtype=np.int64)
        return Joined(self.parts, self.dtype, idx if self.keep is None else self.keep[idx])

    def __eq__(self, other):
        return self._whole() == other

    def __ne__(self, other):
        return self._whole() != other

    __hash__ = None


def people(world, month: str) -> dict:
    """Every person of the simulated world this month, one row each (ID numbers unique), with where they come from.

    kind: E enterprise employees, P public institutions, R residents pension. state: alive / died this month.
    The identity columns are Joined views of the populations' own arrays (no second copy of every identity);
    the flags (alive, working) are arrays.
    """
    cache = world.state.setdefault("_gov", {})
    if cache.get("month") == month:
        return cache["people"]
    pop: Population = world.people
    p = pop.p
    pub_state = pub.advance(world, month)
    ps = pub_state["p"]
    rs = res.advance(world, month)["p"]
    rs_died = np.zeros(len(rs["state"]), bool)
    rs_died[res.advance(world, month)["cur"]["died"]] = True
    e_alive = p["state"] != Population.DEAD
    ps_alive = ps["state"] != pub.DEAD
    r_alive = (rs["state"] != res.DIED) & ~rs_died
    ne, np_, nr = len(p["pid"]), len(ps["pid"]), len(rs["pid"])

    def const(value: str, n: int) -> np.ndarray:   # a constant column of n rows without n elements
        return np.broadcast_to(np.array(value), (n,))

    def join(key, dtype=None):
        return Joined([p[key], ps[key], rs[key]], dtype)

    out = {
        "idno": join("idno", "U18"),
        "name": join("name", "U8"),
        "gender": join("gender"),
        "birth": join("birth"),
        "hukou": join("hukou"),
        "district": Joined([(pop.units["district"], p["unit"]), (pub_state["units"]["district"], ps["unit"]),
                            rs["district"]]),
        "kind": Joined([const("E", ne), const("P", np_), const("R", nr)]),
        "pid": join("pid"),
        "alive": np.concatenate([e_alive, ps_alive, r_alive]),
        "assisted": Joined([const("0", ne), const("0", np_), rs["assisted"]]),
        "working": np.concatenate([np.isin(p["state"], [Population.ACTIVE, Population.SUSPENDED]),
                                   np.isin(ps["state"], [pub.ACTIVE, pub.SUSPENDED]),
                                   np.zeros(nr, bool)]),
    }
    # Independently drawn populations can (rarely) share an ID number: keep the first (found on the numbers as
    # bytes, a quarter of the text; ASCII sorts and compares the same either way).
    _, first = np.unique(np.concatenate([p["idno"].astype("S18"), ps["idno"].astype("S18"),
                                         rs["idno"].astype("S18")]), return_index=True)
    if len(first) < len(out["idno"]):
        keep = np.sort(first)
        out = {k: (v[keep] if isinstance(v, np.ndarray) else v.take(keep)) for k, v in out.items()}
    del first
    cache["month"], cache["people"] = month, out
    return out


def deaths(world, month: str) -> dict[str, np.ndarray]:
    """Everyone who died this month in any population, with the death date (a day of the month)."""
    pop: Population = world.people
    p = pop.p
    e = np.flatnonzero(p["state"] == Population.DEAD)
    pst = pub.advance(world, month)
    rst = res.advance(world, month)
    pd, rd = pst["cur"]["died"], rst["cur"]["died"]
    m = month_index(month)
    idno = np.concatenate([p["idno"][e], pst["p"]["idno"][pd], rst["p"]["idno"][rd]]).astype("U18")
    rng = world.rng("police/death_day", month)
    out = {"idno": idno,
           "name": np.concatenate([p["name"][e].astype(str), pst["p"]["name"][pd], rst["p"]["name"][rd]]).astype("U8"),
           "gender": np.concatenate([p["gender"][e], pst["p"]["gender"][pd], rst["p"]["gender"][rd]]),
           "birth": np.concatenate([p["birth"][e], pst["p"]["birth"][pd], rst["p"]["birth"][rd]]),
           "district": np.concatenate([p["retire_district"][e], pst["p"]["retire_district"][pd], rst["p"]["district"][rd]]),
           "date": month_to_date(m, 1) + rng.integers(0, 28, len(idno))}
    _, first = np.unique(out["idno"], return_index=True)
    keep = np.sort(first)
    return {k: v[keep] for k, v in out.items()}


# ---- identity noise of the external agencies ---------------------------------------------------------
def noisy_ids_and_names(world, rng, interface: str, month: str, idno: np.ndarray, name: np.ndarray,
                        birth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ID numbers and names as an external agency keeps them: some old 15-digit numbers (born before 1985),
    some lower-case x, a few typos in names. Every change is recorded as identity ground truth."""
    n = len(idno)
    ids = idno.astype("U18").copy()
    names = name.astype("U8").copy()
    if n == 0:
        return ids, names
    old = (date_month_index(birth) < month_index("198501")) & (rng.random(n) < OLD_ID_RATE)
    lower = np.char.endswith(ids, "X") & (rng.random(n) < LOWER_X_RATE) & ~old
    typo = rng.random(n) < NAME_TYPO_RATE
    for i in np.flatnonzero(old):
        ids[i] = ids[i][:6] + ids[i][8:17]
        world.identity_noise.append({"interface": interface, "month": month, "kind": "old_id15", "id_number": str(idno[i]),
                                     "delivered": str(ids[i])})
    for i in np.flatnonzero(lower):
        ids[i] = ids[i][:17] + "x"
        world.identity_noise.append({"interface": interface, "month": month, "kind": "lower_x", "id_number": str(idno[i]),
                                     "delivered": str(ids[i])})
    given = np.array(GIVEN)
    for i in np.flatnonzero(typo):
        old_name = names[i]
        repl = given[rng.integers(0, len(given))]
        if repl == old_name[-1]:
            repl = given[(list(given).index(repl) + 1) % len(given)]
        names[i] = old_name[:-1] + repl
        world.identity_noise.append({"interface": interface, "month": month, "kind": "name_typo", "id_number": str(idno[i]),
                                     "delivered": str(names[i]), "true": str(old_name)})
    return ids, names


def stable_share(key: np.ndarray, salt: int) -> np.ndarray:
    """A stable value in [0, 1) per integer key and salt (membership in lists that persist month to month).
    SplitMix64 finaliser, so different salts give independent values (a linear hash would only shift them)."""
    with np.errstate(over="ignore"):
        x = np.asarray(key, dtype=np.int64).astype(np.uint64) + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def mismatch_fields(world, rng, interface: str, month: str, idno, gender: np.ndarray,
                    birth: np.ndarray, formatted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Formatted gender and birth-date columns with injected contradictions of the ID number (recorded); the
    birth dates as dates (datetime64) with formatted=False. `idno` is only read at the rows changed (a Joined view
    will do)."""
    n = len(idno)
    g = gender.astype("U1").copy()
    b = birth.copy()
    kg = k_of("G_ID_GENDER_MISMATCH", n)
    kb = k_of("G_ID_BIRTH_MISMATCH", n)
    pick = rng.choice(n, size=min(n, kg + kb), replace=False) if n else np.empty(0, np.int64)
    for i in pick[:kg]:
        g[i] = "2" if g[i] == "1" else "1"
        record(world, "G_ID_GENDER_MISMATCH", interface, month, str(idno[i]), f"性别字段={g[i]}")
    for i in pick[kg:]:
        b[i] = b[i] + np.timedelta64(int(rng.integers(1, 4)), "D")
        record(world, "G_ID_BIRTH_MISMATCH", interface, month, str(idno[i]), f"出生日期字段={b[i]}")
    return g, (dates(b) if formatted else b)
