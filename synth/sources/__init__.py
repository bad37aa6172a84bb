"""One module per production system. Each exposes:

    SOURCE: str                                   the subject area (matches the specs' `source`)
    month_files(world, month, events) -> {interface: {column: np.ndarray of str}}
    check_tables(files) -> {check_table_name: [row dicts]}   the provider's 数据核对表 for the month

A source draws its randomness from `world.rng(SOURCE, month)` (its own stream), so adding or changing
one source never changes another source's files for the same seed.
"""
from __future__ import annotations

from synth.sources import pension

SOURCES = [pension]
