"""市残联 残疾人信息 (catalogue #28, monthly snapshot): holders of the 残疾人证 — the residents-pension members
marked 重度残疾 (grade 1–2) and a stable ~1.5 % of the employees (grade 3–4). ID numbers and names as the
federation keeps them (identity noise recorded); the gender / birth-date fields carry injected contradictions of
the ID number (ground truth G_ID_GENDER_MISMATCH / G_ID_BIRTH_MISMATCH).
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import month_to_date
from synth.sources import _gov_common as g
from synth.sources._emp_common import dates

SOURCE = "disabled_persons"
ORDER = 1


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    m = month_index(month)
    rng = world.rng(SOURCE, month)
    pe = g.people(world, month)
    share = g.stable_share(pe["pid"], 53)
    severe = (pe["kind"] == "R") & (pe["assisted"] == "3")
    idx = np.flatnonzero(pe["alive"] & (severe | ((pe["kind"] == "E") & (share < 0.015))))
    s = g.stable_share(pe["pid"][idx], 57)
    dtype_ = (1 + (s * 7).astype(np.int64)).astype(str)
    grade = np.where(severe[idx], np.where(s < 0.5, "1", "2"), np.where(s < 0.5, "3", "4"))
    ids, names = g.noisy_ids_and_names(world, rng, "disabled_person", month, pe["idno"][idx], pe["name"][idx],
                                       pe["birth"][idx])
    gender, birth = g.mismatch_fields(world, rng, "disabled_person", month, pe["idno"][idx], pe["gender"][idx],
                                      pe["birth"][idx])
    issue = month_to_date(m - 1 - (s * 120).astype(np.int64), 1)
    n = len(idx)
    out = {"disabled_person": {
        "data_month": np.full(n, month), "id_number": ids, "person_name": names, "gender": gender, "birth_date": birth,
        "certificate_no": np.char.add(np.char.add(pe["idno"][idx].astype("U18"), dtype_), grade),
        "disability_type": dtype_, "disability_level": grade, "district_code": pe["district"][idx],
        "issue_date": dates(issue)}}
    return out


def check_tables(files) -> dict:
    return {}
