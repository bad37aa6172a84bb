"""One module per production system (source), discovered automatically. Each module exposes:

    SOURCE: str        the subject area; matches the `source` of its specs in interfaces/<SOURCE>/
    month_files(world, month, events) -> {interface: {column: np.ndarray of str}}
        every interface file of the source for one data month, columns in any order, values already
        formatted as the file carries them (dates YYYYMMDD, months YYYYMM, money with 2 decimals, '' = empty)
    check_tables(files) -> {check_table_name: [row dicts]}
        the provider's 数据核对表 for the month, computed from the same rows (see check_table.yaml)

Rules for a source module:
- Randomness only from `world.rng(SOURCE, month)` (or a named sub-stream `world.rng(SOURCE + "/x", month)`),
  so sources never disturb each other and the same seed gives the same files.
- State that must persist from month to month lives in `world.state[SOURCE]`; `month_files` is
  called for every month in order (also for months that are up to date and not rewritten).
- People in employee insurances come from `world.people` (the enterprise employee population);
  sources with populations of their own keep them in their state.
- Optional ``ORDER`` (default 0): higher runs later in the month; ``world.files`` holds the interface files
  of earlier sources this month that a later source declares in ``READS`` (a tuple of interface names; the
  generator writes every other file as soon as its source has produced it and frees it). A source that changes
  an earlier source's columns in place declares them in ``amends(world) -> set`` (those sources are written
  after it). Cross-source anomalies go to ``world.anomalies`` (see ``_gov_common``).
- Vectorised with NumPy: no Python loop over rows.
"""
from __future__ import annotations

import importlib
import pkgutil

# Sources with ORDER = 1 (the external governance feeds) run after the production systems of the month, so they
# can line up with what those delivered (e.g. births with the maternity benefits, via ``world.files``).
SOURCES = sorted((importlib.import_module(f"{__name__}.{m.name}")
                  for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name) if not m.name.startswith("_")),
                 key=lambda mod: getattr(mod, "ORDER", 0))
