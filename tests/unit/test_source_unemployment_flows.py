"""Unemployment benefit flows in the generated files: every month's recipients are last month's recipients
plus the new claimants (第1个月) minus those no longer paid, so the warehouse test
assert_unemployment_flows_reconcile can hold. Regression: a recipient whose entitlement ran out in the very
month their suspended insurance ended (status 2 → 3) used to be taken for a new leaver and re-claim at
month 1 the same month (seen at scale 0.1: 3 persons in 12 months), so they were neither an exit nor a
continuing recipient and the balance was off by one."""
import numpy as np
import pytest

from synth.population import Population
from synth.sources import unemployment
from synth.sources.pension import base_limits
from synth.world import World


def benefit_rows(files) -> dict[str, int]:
    ben = files["unemp_benefit"]
    return {str(p): int(k) for p, k in zip(ben["person_id"].astype(str), ben["month_no"])}  # person ids may be bytes


def assert_flows_reconcile(prev: dict[str, int], now: dict[str, int]) -> None:
    new = {p for p, k in now.items() if k == 1}
    exits = set(prev) - set(now)
    assert not new & set(prev), "a recipient paid last month starts again at month 1"
    assert len(now) == len(prev) + len(new) - len(exits)
    assert all(now[p] == prev[p] + 1 for p in set(now) - new)


def test_exhausted_recipient_whose_insurance_ends_does_not_reclaim(monkeypatch):
    monkeypatch.setattr(unemployment, "TAKE_UP", 1.0)  # every eligible leaver would claim
    world = World(0.001, 11, "202401")
    first = benefit_rows(unemployment.month_files(world, "202401", world.advance_to("202401", base_limits)))
    events = world.advance_to("202402", base_limits)
    p, rec = world.people.p, world.state["unemployment"]["recipients"]
    # Handcraft the case: recipients still in the population whose contributions are suspended get their
    # last entitled month this month and their insurance ends now (status LEFT).
    pos = np.searchsorted(p["pid"], rec["pid"])
    ok = pos < len(p["pid"])
    ok[ok] = p["pid"][pos[ok]] == rec["pid"][ok]
    ok[ok] &= p["state"][pos[ok]] == Population.SUSPENDED
    chosen = np.flatnonzero(ok)[:3]
    assert len(chosen) >= 1
    rec["month_no"][chosen] = rec["entitled"][chosen]
    p["state"][pos[chosen]] = Population.LEFT
    crafted = {f"{pid:012d}" for pid in rec["pid"][chosen]}
    assert crafted <= set(first)

    files = unemployment.month_files(world, "202402", events)
    now = benefit_rows(files)
    assert not crafted & set(now), "exhausted recipients were paid again from month 1"
    # They are ordinary exits and still left their insurance this month.
    ins = files["unemp_insured"]
    status = dict(zip(ins["person_id"].astype(str), ins["insured_status"]))
    assert all(status[pid] == "3" for pid in crafted)
    assert_flows_reconcile(first, now)


@pytest.mark.parametrize("seed", [3, 7])
def test_benefit_flows_reconcile_month_by_month(seed):
    world = World(0.001, seed, "202401")
    prev = None
    for month in ("202401", "202402", "202403", "202404"):
        now = benefit_rows(unemployment.month_files(world, month, world.advance_to(month, base_limits)))
        if prev is not None:
            assert_flows_reconcile(prev, now)
        prev = now
