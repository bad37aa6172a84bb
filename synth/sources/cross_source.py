"""Opt-in cross-source anomalies inside the production systems' own files (``--cross-anomalies``), for the
governance rules that compare two production systems and so cannot be provoked through an external feed:

- G_UNDER16_CONTRIB: a few enterprise contributors' registrations (ent_pension_person) carry the ID number and
  birth date of a child under 16 (same address code, same sex) in that month;
- G_DOUBLE_PENSION: a few public-institution contributors' registrations (public_pension_person) carry the ID
  number, name, gender and birth date of an enterprise contributor of the same month (insured twice).

Off by default, so the production files stay byte-identical for a seed; when on, the month's files are changed
before they are written (their check tables are computed from the changed rows and do not depend on them).
Recorded in the manifest's "anomalies" like the external feeds' anomalies.
"""
from __future__ import annotations

import numpy as np

from foundation.checkdigits import id_check_chars
from foundation.months import month_index
from synth.population import month_to_date
from synth.sources import _gov_common as g
from synth.sources._emp_common import dates

SOURCE = "cross_source"
ORDER = 2
RATES = {"G_UNDER16_CONTRIB": 0.0005, "G_DOUBLE_PENSION": 0.002}
READS = ("ent_pension_person", "ent_pension_contribution", "public_pension_person", "public_pension_contribution")


def reads(world) -> tuple[str, ...]:
    """The files of earlier sources it needs in world.files: none when the anomalies are off (the default), so the
    generator frees the pension files as soon as they are written."""
    return READS if getattr(world, "cross_anomalies", False) else ()


def amends(world) -> set[str]:
    """The files of earlier sources this one changes in place (the generator writes them after it)."""
    return {"ent_pension_person", "public_pension_person"} if getattr(world, "cross_anomalies", False) else set()


def _child_id(idno: str, birth: np.datetime64, rng) -> str:
    seq = int(idno[14:17])
    first17 = idno[:6] + str(birth).replace("-", "") + f"{(int(rng.integers(0, 500)) * 2 + seq % 2):03d}"
    return first17 + id_check_chars(np.array([[int(ch) for ch in first17]]))[0]


def month_files(world, month: str, events: dict) -> dict:
    if not getattr(world, "cross_anomalies", False):
        return {}
    rng = world.rng(SOURCE, month)
    m = month_index(month)
    ent, ent_c = world.files["ent_pension_person"], world.files["ent_pension_contribution"]
    pub, pub_c = world.files["public_pension_person"], world.files["public_pension_contribution"]
    paying = set(ent_c["person_id"][ent_c["fee_month"] == month].tolist())
    rows = np.flatnonzero(np.isin(ent["person_id"], list(paying)) & (ent["insured_status"] == "1"))
    k = min(len(rows), max(1, round(RATES["G_UNDER16_CONTRIB"] * len(rows))))
    pick = np.sort(rng.choice(rows, size=k, replace=False)) if k else rows
    ids, births = ent["id_number"].astype("U18").copy(), ent["birth_date"].astype("U8").copy()
    for i in pick:
        birth = month_to_date(m - 15 * 12, 1) + int(rng.integers(0, 28))
        ids[i] = _child_id(str(ids[i]), birth, rng)
        births[i] = dates(np.array([birth]))[0]
        g.record(world, "G_UNDER16_CONTRIB", "ent_pension_contribution", month, str(ids[i]), f"出生日期={birth}")
    ent["id_number"], ent["birth_date"] = ids, births
    # Double insurance: a public-institution contributor's registration carries an enterprise contributor's identity.
    pub_paying = np.flatnonzero(np.isin(pub["person_id"], pub_c["person_id"][pub_c["fee_month"] == month])
                                & (pub["insured_status"] == "1"))
    k = min(len(pub_paying), len(pick) + len(rows),
            max(1, round(RATES["G_DOUBLE_PENSION"] * len(pub_paying))))
    targets = np.setdiff1d(rows, pick)
    if k and len(targets):
        slots = np.sort(rng.choice(pub_paying, size=min(k, len(targets)), replace=False))
        donors = rng.choice(targets, size=len(slots), replace=False)
        for col in ("id_number", "person_name", "gender", "birth_date"):
            pub[col] = pub[col].astype(object)
        for s, d in zip(slots, donors):
            for col in ("id_number", "person_name", "gender", "birth_date"):
                pub[col][s] = ent[col][d]
            g.record(world, "G_DOUBLE_PENSION", "ent_pension_contribution", month, str(ent["id_number"][d]),
                     f"机关事业养老个人编号={pub['person_id'][s]}")
        for col in ("id_number", "person_name", "gender", "birth_date"):
            pub[col] = pub[col].astype(str)
    return {}


def check_tables(files) -> dict:
    return {}
