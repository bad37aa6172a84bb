"""劳动人事信访 (letters, visits and online petitions to the HR and social-security bureaus).

One row per petition received in the month. Most petitioners are persons of the employee population
(employed or just left) complaining about their employer; the rest are other persons or anonymous letters.
Handling: a written reply within days to weeks (statutory limit 60 days); a petition counts as handled when
the reply falls within the month.

Scale 1.0: about 3,500 petitions a month (est.).
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import Population, district_choice, month_to_date
from synth.sources._hr_common import d8, days_in, district_table, ints, new_people, pick, zid

SOURCE = "petition"

PETITIONS_AT_SCALE_1 = 3_500
CHANNELS = ["1", "2", "3", "4"]
CHANNEL_SHARE = [20, 25, 30, 25]
MATTERS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "99"]
MATTER_SHARE = [30, 22, 15, 6, 5, 4, 6, 5, 2, 5]
EMPLOYER_MATTERS = ["01", "03", "04", "07", "08"]


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    rng = world.rng(SOURCE, month)
    n = max(5, int(rng.poisson(PETITIONS_AT_SCALE_1 * world.scale)))
    end = month_to_date(month_index(month) + 1, 1)
    received = np.sort(days_in(rng, month, n, weekday_weight=8.0))
    channel = pick(rng, CHANNELS, CHANNEL_SHARE, n)
    matter = pick(rng, MATTERS, MATTER_SHARE, n)

    # Who: employees (or those who just left), other persons, anonymous (not for visits).
    kind = pick(rng, np.array([0, 1, 2]), [70, 20, 10], n)
    kind = np.where((kind == 2) & (channel == "2"), 1, kind)
    p, u = world.people.p, world.people.units
    cand = np.flatnonzero(np.isin(p["state"], [Population.ACTIVE, Population.SUSPENDED, Population.LEFT]))
    w = np.where(p["state"][cand] == Population.LEFT, 30.0, 1.0)
    who = district_choice(rng, cand, u["district"][p["unit"][cand]], n, w)   # stratified by district
    other = new_people(rng, n, received[-1], age_mean=42, age_sd=12, age_hi=75)
    from_world = kind == 0
    idno = np.where(from_world, p["idno"][who], np.where(kind == 1, other["idno"], ""))
    name = np.where(from_world, p["name"][who].astype("U30"), np.where(kind == 1, other["name"], ""))
    district = np.where(from_world, u["district"][p["unit"][who]], other["district"])
    credit = np.where(from_world & np.isin(matter, EMPLOYER_MATTERS), u["credit"][p["unit"][who]], "")

    persons = np.where(channel == "2",
                       np.where(rng.random(n) < 0.8, 1, np.where(rng.random(n) < 0.7, rng.integers(2, 5, n),
                                                                 np.minimum(5 + rng.geometric(0.1, n), 300))),
                       np.where(rng.random(n) < 0.02, rng.integers(5, 40, n), 1))
    days = np.minimum(1 + rng.gamma(2.0, 5.0, n), 60).astype(np.int64)
    handled = received + days < end
    out = {
        "data_month": np.full(n, month), "petition_id": zid("XF" + month, np.arange(1, n + 1), 16),
        "channel": channel, "receive_date": d8(received), "district_code": district, "matter_type": matter,
        "petitioner_id_number": idno, "petitioner_name": name, "persons": ints(persons),
        "collective_flag": np.where(persons >= 5, "1", "0"), "repeat_flag": np.where(rng.random(n) < 0.12, "1", "0"),
        "respondent_credit_code": credit, "handled_flag": np.where(handled, "1", "0"),
        "response_days": np.where(handled, days.astype(str), "")}
    return {"petition_case": out}


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    f = files["petition_case"]
    ch = f["channel"]
    return {"petition": district_table(f["district_code"], {
        "petitions": np.ones(len(ch), np.int64), "letters": ch == "1", "visits": ch == "2", "online": ch == "3",
        "transferred": ch == "4", "persons": f["persons"].astype(np.int64),
        "collective": f["collective_flag"] == "1", "handled": f["handled_flag"] == "1"})}
