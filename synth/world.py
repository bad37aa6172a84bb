"""The simulated world all sources draw from: the employee population plus per-source random streams."""
from __future__ import annotations

import zlib

import numpy as np

from foundation.months import month_index, month_str
from synth.population import Population


class World:
    def __init__(self, scale: float, seed: int, start: str):
        self.scale, self.seed, self.start = scale, seed, start
        self.people = Population(scale=scale, seed=seed, start_month=start)
        self.state: dict[str, dict] = {}  # per-source state carried from month to month
        self.files: dict[str, dict] = {}  # interface files produced so far in the current month
        self.anomalies: list[dict] = []   # injected cross-source anomalies of the month (ground truth)
        self.identity_noise: list[dict] = []  # ID / name noise of the external agencies of the month

    @property
    def month(self) -> str:
        return month_str(self.people.month)

    def rng(self, source: str, month: str) -> np.random.Generator:
        """An independent, reproducible stream for one source and month."""
        return np.random.default_rng([self.seed, zlib.crc32(source.encode()), month_index(month)])

    def advance_to(self, month: str, limits) -> dict:
        """Step the population month by month up to `month`; returns the events of `month`."""
        events: dict = {}
        while self.people.month < month_index(month):
            self.people.base_limits = limits(month_str(self.people.month + 1))
            events = self.people.step()
        return events
