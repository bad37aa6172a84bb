"""12333 电话咨询 (the HR and social-security hotline): one row per incoming call.

Calls follow the working week and the hours of the day; agents answer from 08:00 to 20:00, the self-service
voice menu around the clock, and some callers hang up while queueing (more in busy hours).
Total = agent + self-service + abandoned; connect rate (agent + self-service) ÷ total ≈ 90 %.

Scale 1.0: about 1.5 million calls a month (est.).
"""
from __future__ import annotations

import numpy as np

from synth.sources._hr_common import d8, days_in, ints, pick, zfill

SOURCE = "hotline"

CALLS_AT_SCALE_1 = 1_500_000
HOUR_WEIGHT = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 5, 10, 11, 9, 6, 7, 9.5, 9.5, 8, 6, 3, 2,
                        1.5, 1, 0.6, 0.4])
AGENT_HOURS = (8, 20)
SERVICES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "99"]
AGENT_SHARE = [18, 8, 5, 4, 8, 12, 10, 8, 11, 4, 3, 4, 2, 3]
SELF_SHARE = [25, 10, 3, 5, 12, 22, 15, 3, 1, 1, 1, 0.5, 0.5, 1]
RATING = np.array([5, 4, 3, 2, 1])
RATING_SHARE = [78, 14, 5, 1.5, 1.5]


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    rng = world.rng(SOURCE, month)
    n = max(20, int(rng.poisson(CALLS_AT_SCALE_1 * world.scale)))
    day = days_in(rng, month, n, weekday_weight=2.2)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    sec = hour * 3600 + rng.integers(0, 3600, n)
    order = np.lexsort((sec, day))
    day, hour, sec = day[order], hour[order], sec[order]

    # Channel: inside agent hours some callers choose the voice menu, some give up in the queue (more when busy).
    load = HOUR_WEIGHT[hour] / HOUR_WEIGHT.max()
    staffed = (hour >= AGENT_HOURS[0]) & (hour < AGENT_HOURS[1])
    r = rng.random(n)
    p_abandon = np.where(staffed, 0.04 + 0.09 * load, 0.12)
    p_self = np.where(staffed, 0.40, 1.0)
    channel = np.where(r < p_abandon, "3", np.where(r < p_abandon + (1 - p_abandon) * p_self, "2", "1"))
    agent, self_, abandoned = channel == "1", channel == "2", channel == "3"

    service = np.where(self_, pick(rng, SERVICES, SELF_SHARE, n), pick(rng, SERVICES, AGENT_SHARE, n))
    wait = np.where(agent, rng.exponential(15 + 50 * load),
                    np.where(abandoned, rng.exponential(40 + 60 * load), rng.integers(0, 4, n)))
    talk = np.where(agent, np.exp(rng.normal(np.log(200), 0.6, n)),
                    np.where(self_, np.exp(rng.normal(np.log(80), 0.7, n)), 0))
    wait = np.minimum(wait, 3600).astype(np.int64)
    talk = np.minimum(talk, 7200).astype(np.int64)
    n_agents = max(3, round(350 * world.scale ** 0.5))
    agent_id = np.char.add("GH", zfill(rng.integers(1, n_agents + 1, n).astype(str), 4))
    rated = agent & (rng.random(n) < 0.65)
    rating = pick(rng, RATING, RATING_SHARE, n)
    hhmmss = np.char.add(np.char.add(zfill((sec // 3600).astype(str), 2),
                                     zfill((sec // 60 % 60).astype(str), 2)),
                         zfill((sec % 60).astype(str), 2))
    out = {
        "data_month": np.full(n, month), "call_id": np.char.add(month, zfill(np.arange(1, n + 1).astype(str), 10)),
        "call_date": d8(day), "start_time": hhmmss, "channel": channel, "service_type": service,
        "wait_seconds": ints(wait), "talk_seconds": ints(talk), "agent_id": np.where(agent, agent_id, ""),
        "satisfaction": np.where(rated, rating.astype(str), "")}
    return {"hotline_call": out}


def connect_rate(f: dict[str, np.ndarray]) -> float:
    """(agent + self-service) ÷ total."""
    return float(np.isin(f["channel"], ["1", "2"]).sum() / max(1, len(f["channel"])))


def check_tables(files: dict[str, dict[str, np.ndarray]]) -> dict[str, list[dict]]:
    f = files["hotline_call"]
    ch = f["channel"]
    sat = f["satisfaction"]
    return {"hotline": [{
        "district_code": "110000", "district_name": "北京市", "total_calls": int(len(ch)),
        "agent_calls": int((ch == "1").sum()), "self_service_calls": int((ch == "2").sum()),
        "abandoned_calls": int((ch == "3").sum()), "rated_calls": int((sat != "").sum()),
        "satisfied_calls": int(np.isin(sat, ["4", "5"]).sum()),
        "talk_seconds": int(f["talk_seconds"][ch == "1"].astype(np.int64).sum())}]}
