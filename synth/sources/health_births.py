"""市卫健委 出生信息 (catalogue #29, monthly): births registered in the month, one row per birth (出生医学证明).

Every 生育津贴 paid by the maternity insurance this month has its birth here (same mother's ID number, same birth
date, same number of babies), so births line up with maternity benefits; mothers who are not insured
(residents-pension women of 20–45, a few a month) give births without a benefit.
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import month_to_date
from synth.sources import _gov_common as g
from synth.sources._emp_common import age_years, dates, zfill

SOURCE = "health_births"
ORDER = 1
READS = ("maternity_benefit",)        # the generator keeps this file of the month in memory for this source
HOSPITALS = np.array(["北京妇产医院", "海淀区妇幼保健院", "北京大学第一医院", "北京协和医院", "朝阳区妇幼保健院",
                      "首都医科大学附属北京友谊医院", "丰台区妇幼保健院", "通州区妇幼保健院"])


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    m = month_index(month)
    rng = world.rng(SOURCE, month)
    ben = world.files["maternity_benefit"]
    a = ben["benefit_item"] == "01"
    pe = g.people(world, month)
    r = np.flatnonzero(pe["alive"] & (pe["kind"] == "R") & (pe["gender"] == "2"))
    age = age_years(pe["birth"][r], m)
    r = r[(age >= 20) & (age <= 45)]
    k = min(len(r), max(1, int(rng.poisson(len(r) * 0.004))))
    other = np.sort(rng.choice(r, size=k, replace=False)) if k else r
    mother = np.concatenate([ben["id_number"][a].astype("U18"), pe["idno"][other]])
    mname = np.concatenate([ben["person_name"][a].astype(str), pe["name"][other]])
    born = np.concatenate([ben["event_date"][a].astype("U8"),
                           dates(month_to_date(m, 1) - rng.integers(5, 60, len(other)))])
    babies = np.concatenate([ben["babies"][a].astype("U1"), np.full(len(other), "1")])
    district = np.concatenate([ben["district_code"][a].astype("U6"), pe["district"][other]])
    n = len(mother)
    seq = rng.permutation(n) + 1
    out = {"health_birth": {
        "data_month": np.full(n, month),
        "birth_cert_no": np.char.add(np.char.add("Q", month), zfill(seq, 6)),
        "mother_id_number": mother, "mother_name": mname, "child_birth_date": born,
        "child_gender": np.where(rng.random(n) < 0.515, "1", "2"), "babies": babies,
        "birth_weight": (rng.normal(3300, 420, n).clip(1200, 5200)).astype(np.int64).astype(str),
        "hospital": HOSPITALS[rng.integers(0, len(HOSPITALS), n)], "district_code": district}}
    return out


def check_tables(files) -> dict:
    return {}
