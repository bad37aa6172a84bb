"""Generate monthly drops into var/exchange/<YYYYMM>/.

    python -m synth --start 202407 --months 3 --scale 0.001 --seed 42

Deterministic for a seed: the population is simulated from --start, so a given month's files are the
same whichever --months range includes it. A month whose files are all present (and were made with
the same parameters) is skipped unless --force.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from loaders.spec import load_check_tables, load_specs
from ops import settings
from synth import pension
from synth.calendar import month_range
from synth.population import Population
from synth.writer import write_check_table, write_interface_file

PARAMS_FILE = ".synth.json"


def generate(start: str, months: int, scale: float, seed: int, out=None, force: bool = False) -> list[str]:
    out = out or settings.EXCHANGE
    specs = load_specs()
    checks = load_check_tables()
    params = {"start": start, "scale": scale, "seed": seed, "generator": 1}
    pop = None
    done = []
    t0 = time.time()
    for k, month in enumerate(month_range(start, months), 1):
        folder = out / month
        stamp = folder / PARAMS_FILE
        if not force and stamp.exists() and json.loads(stamp.read_text()) == params:
            print(f"[synth] {month}: up to date, skipped ({k}/{months})", flush=True)
            if pop is None or pop.month < _idx(month):
                pop = pop or _new_population(scale, seed, start, month)
                _advance(pop, month)
            done.append(month)
            continue
        pop = pop or _new_population(scale, seed, start, month)
        events = _advance(pop, month)
        files = pension.month_files(pop, events)
        folder.mkdir(parents=True, exist_ok=True)
        rows_total = 0
        for name, cols in files.items():
            _, rows = write_interface_file(folder, specs[name], month, cols)
            rows_total += rows
        ct = checks["pension"]
        write_check_table(folder / ct["file_pattern"].format(month=month), ct, month, pension.check_table(files))
        stamp.write_text(json.dumps(params) + "\n")
        print(f"[synth] {month}: {rows_total:,} rows in {len(files)} files + check table "
              f"({k}/{months}, {time.time() - t0:.1f}s)", flush=True)
        done.append(month)
    return done


def _idx(month: str) -> int:
    from synth.calendar import month_index

    return month_index(month)


def _new_population(scale: float, seed: int, start: str, month: str) -> Population:
    pop = Population(scale=scale, seed=seed, start_month=start)
    pop.base_limits = pension.base_limits(start)
    return pop


def _advance(pop: Population, month: str) -> dict:
    """Step the population up to `month` (inclusive); returns that month's events."""
    events = {}
    while pop.month < _idx(month):
        from synth.calendar import month_str

        pop.base_limits = pension.base_limits(month_str(pop.month + 1))
        events = pop.step()
    return events


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--start", default="202407", help="first data month YYYYMM")
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.001, help="1.0 ≈ Beijing (17.6 million insured)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=str, default=None, help="drop zone (default var/exchange)")
    ap.add_argument("--force", action="store_true", help="regenerate months that are up to date")
    a = ap.parse_args(argv)
    from pathlib import Path

    generate(a.start, a.months, a.scale, a.seed, Path(a.out) if a.out else None, a.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
