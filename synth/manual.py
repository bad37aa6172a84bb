"""The monthly manual-entry workbook (手工录入, SGLR_<month>.xlsx) as staff would fill it in."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from foundation.manual_template import write_template
from foundation.spec import code_table, load_manual_template
from synth.population import DISTRICT_SHARE, DISTRICTS
from synth.writer import _deterministic_zip

# Beijing (est.): about 60 thousand in-service training person-times a month; unemployment fund
# budget about 1.75 billion yuan a month.
TRAINEES_AT_SCALE_1 = 60_000
BUDGET = {"I01": 1.35e9, "I02": 0.08e9, "I03": 0.05e9, "E01": 0.55e9, "E02": 0.25e9, "E03": 0.30e9, "E04": 0.02e9}


def manual_rows(world, month: str) -> dict[str, list[list]]:
    rng = world.rng("manual", month)
    share = DISTRICT_SHARE / DISTRICT_SHARE.sum()
    trainees = np.maximum(1, rng.poisson(TRAINEES_AT_SCALE_1 * world.scale * share * 12) // 12)
    completed = rng.binomial(trainees, 0.86)
    certs = rng.binomial(completed, 0.7)
    firms = np.maximum(1, trainees // 25)
    subsidy = np.round(completed * rng.uniform(600, 1200, len(DISTRICTS)), 2)
    training = [[month, d, int(f), int(t), int(c), int(k), float(s)]
                for d, f, t, c, k, s in zip(DISTRICTS, firms, trainees, completed, certs, subsidy)]
    budget = []
    for code in code_table("unemp_budget_item"):
        annual = round(BUDGET[code] * 12 * world.scale, 2)
        budget.append([month, code, round(annual / 12 * float(rng.uniform(0.9, 1.1)), 2), annual])
    tables = [s["table"] for s in load_manual_template()["sheets"]]
    return dict(zip(tables, [training, budget]))


def write_manual(folder: Path, world, month: str) -> Path:
    name = load_manual_template()["file_pattern"].format(month=month)
    path = write_template(folder / name, manual_rows(world, month))
    path.write_bytes(_deterministic_zip(path.read_bytes()))
    return path
