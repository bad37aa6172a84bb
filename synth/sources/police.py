"""市公安局 自然人数据 (catalogue #25, 按日 upstream; delivered here as the month's roll-up): 户籍人口登记 (Beijing
hukou with 户号 and 户籍性质), 居住证 (non-Beijing hukou working in Beijing) and 死亡注销, from the same world.

- 户籍人口登记: every living person of the world with Beijing hukou (本市城镇 → 非农业, 本市农业 → 农业; about one in
  ten in a collective household), a stable 户号 shared by the members of a household.
- 居住证: employees and public-institution staff with non-Beijing hukou who are working.
- 死亡注销: every death of the month in any population (retirees of both pensions, residents pension
  beneficiaries), plus injected false registrations of living contributors / pensioners (ground truth
  G_PERSON_DEATH_PAID: they go on contributing or being paid after the registered death).
The gender / birth-date fields of the register carry injected contradictions of the ID number.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.blocks import RowBlocks
from synth.population import Population, month_to_date
from synth.sources import _gov_common as g
from synth.sources._emp_common import dates, zfill

SOURCE = "police"
ORDER = 1

STREETS = np.array(["建国路", "复兴路", "中关村大街", "学院路", "朝阳路", "丰台路", "石景山路", "良乡大街", "通州北苑",
                    "顺义站前街", "昌平路", "黄村大街", "怀柔青春路", "平谷府前街", "密云鼓楼街", "延庆妫水路"])


def _district_names() -> dict[str, str]:
    from foundation.spec import code_table

    return {c: r["name"] for c, r in code_table("district").items()}


def _addresses(district: np.ndarray, key: np.ndarray) -> np.ndarray:
    names = _district_names()
    if len(district):   # a name per distinct code, spread over the rows (no Python loop over rows)
        codes, inv = np.unique(np.asarray(district), return_inverse=True)
        dn = np.array([names.get(d, "") for d in codes])[inv.reshape(-1)]
    else:
        dn = np.empty(0, "U8")
    street = STREETS[(np.asarray(key) * 31) % len(STREETS)]
    no = zfill((np.asarray(key) * 7) % 300 + 1, 3)
    return np.char.add(np.char.add(np.char.add(np.char.add("北京市", dn), street), no), "号")


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    m = month_index(month)
    rng = world.rng(SOURCE, month)
    pe = g.people(world, month)
    out = {}

    # ---- 户籍人口登记 ----------------------------------------------------------------------------------
    # The register and the residence permits are formatted a block of rows at a time while they are written
    # (synth.blocks): every living Beijing resident of the world, never held whole as text. What needs the random
    # stream (the contradicted gender / birth-date fields) is drawn here, in the same order as ever.
    ri = np.flatnonzero(pe["alive"] & np.isin(pe["hukou"], ["11", "12"]))
    gender, birth_field = g.mismatch_fields(world, rng, "police_hukou_register", month, pe["idno"].take(ri),
                                            pe["gender"][ri], pe["birth"][ri], formatted=False)
    mon = month.encode()

    def register(b0: int, b1: int) -> dict:
        idx = ri[b0:b1]
        pid = pe["pid"][idx]
        kind = pe["kind"][idx]
        kind_digit = np.select([kind == "E", kind == "P"], ["1", "2"], "3")
        share = g.stable_share(pid, {"E": 1, "P": 2, "R": 3}["E"]) if len(idx) else np.zeros(0)
        collective = share < 0.1
        household = np.char.add(kind_digit, zfill(pid // 3, 9))
        household = np.where(collective, np.char.add("J", household), np.char.add("H", household))
        rural = pe["hukou"][idx] == "12"
        district = pe["district"][idx]
        reg_date = pe["birth"][idx] + (g.stable_share(pid, 11) * 40).astype("timedelta64[D]")
        return {
            "data_month": np.full(len(idx), mon), "id_number": pe["idno"][idx], "person_name": pe["name"][idx],
            "gender": gender[b0:b1], "birth_date": dates(birth_field[b0:b1]), "household_no": household,
            "hukou_nature": np.where(rural, np.where(collective, "4", "2"), np.where(collective, "3", "1")),
            "relation_to_head": np.where(share * 3 % 1 < 0.34, "01", np.where(share * 3 % 1 < 0.67, "02", "03")),
            "district_code": district, "address": _addresses(district, pid), "register_date": dates(reg_date)}

    out["police_hukou_register"] = RowBlocks(len(ri), register).columns(
        ("data_month", "id_number", "person_name", "gender", "birth_date", "household_no", "hukou_nature",
         "relation_to_head", "district_code", "address", "register_date"))

    # ---- 居住证 ------------------------------------------------------------------------------------------
    wi = np.flatnonzero(pe["alive"] & pe["working"] & np.isin(pe["hukou"], ["21", "22"]))

    def permits(b0: int, b1: int) -> dict:
        idx = wi[b0:b1]
        pid = pe["pid"][idx]
        s = g.stable_share(pid, 17)
        # Issued in a fixed month per person and renewed every three years (not re-dated every month: the daily
        # increments, synth/daily.py, would show every permit as changed each month).
        first = month_index("202401") - (s * 36).astype(np.int64)
        issue = month_to_date(first + (m - 1 - first) // 36 * 36, 1) + (s * 997 % 28).astype("timedelta64[D]")
        district = pe["district"][idx]
        return {
            "data_month": np.full(len(idx), mon), "id_number": pe["idno"][idx], "person_name": pe["name"][idx],
            "gender": pe["gender"][idx], "birth_date": dates(pe["birth"][idx]),
            "permit_no": np.char.add(np.char.add("JZZ", pe["kind"][idx]), zfill(pid, 10)),
            "district_code": district, "address": _addresses(district, pid + 5),
            "issue_date": dates(issue), "valid_to": dates(issue + np.timedelta64(3 * 365, "D"))}

    out["police_residence_permit"] = RowBlocks(len(wi), permits).columns(
        ("data_month", "id_number", "person_name", "gender", "birth_date", "permit_no", "district_code", "address",
         "issue_date", "valid_to"))

    # ---- 死亡注销 ----------------------------------------------------------------------------------------
    d = g.deaths(world, month)
    p = world.people.p
    st = p["state"]
    cand = np.flatnonzero(np.isin(st, [Population.ACTIVE, Population.RETIRED]))
    k = g.k_of("G_PERSON_DEATH_PAID", len(cand))
    fake = np.sort(rng.choice(cand, size=k, replace=False)) if k else cand[:0]
    fake = fake[~np.isin(p["idno"][fake], d["idno"])]
    fake_date = month_to_date(m - 1, 1) + rng.integers(0, 28, len(fake))
    for i in fake:
        g.record(world, "G_PERSON_DEATH_PAID", "police_death_cancel", month, str(p["idno"][i]),
                 "在职缴费" if st[i] == Population.ACTIVE else "领取养老金")
    idno = np.concatenate([d["idno"], p["idno"][fake]])
    death = np.concatenate([d["date"], fake_date])
    n = len(idno)
    out["police_death_cancel"] = {
        "data_month": np.full(n, month), "id_number": idno,
        "person_name": np.concatenate([d["name"], p["name"][fake].astype(str)]),
        "gender": np.concatenate([d["gender"], p["gender"][fake]]),
        "birth_date": dates(np.concatenate([d["birth"], p["birth"][fake]])),
        "death_date": dates(death), "cancel_date": dates(death + rng.integers(1, 10, n)),
        "district_code": np.concatenate([d["district"], world.people.units["district"][p["unit"][fake]]]),
        "death_cause": np.where(rng.random(n) < 0.92, "1", "2")}
    return out


def check_tables(files) -> dict:
    return {}  # external agencies send no 数据核对表
