"""A day's increment of every 按日 source, applied by the daily loader, at a given scale (target: ≤ 60 s at 0.1).

    python -m bench.daily [--scale 0.1] [--days 3] [--seed 42]

Generates the roll-ups of 202412 and 202501 (var/bench/daily/scale_<x>/exchange), writes
January's daily increments (synth.daily), then in its own database `bench_daily` (dropped first):
1. applies sequence 1, the initial full load of every interface (the state at 2024-12-31; reported, not the target);
2. makes each of the first `--days` days of January arrive in turn and times one `load_daily` run that applies
   that day for all seven interfaces (validation, COPY, the increment's rules, closing and opening versions,
   audit) — the figure the target is about; the slowest day is the one compared with it.
The load average of the machine is recorded beside every figure (the machine is shared).
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import psycopg

from bench.common import load_avg, write_result
from foundation import settings

START, MONTH = "202412", "202501"


def parse_args(prog: str, argv=None) -> argparse.Namespace:
    """The arguments of the daily benchmarks (this one and bench.topics_daily)."""
    ap = argparse.ArgumentParser(prog=prog)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    return ap.parse_args(argv)


class DailyFeed:
    """A month's daily files written once into `staged` (synth.daily, from the roll-ups in `exchange`), then made to
    arrive in the watched `folder` one sequence number at a time, as the upstream delivers them."""

    def __init__(self, root: Path, month: str, days: int, exchange: Path):
        from foundation.daily_spec import load_daily_specs
        from synth.daily import generate as daily_generate

        self.staged, self.folder = root / "staged", root / "daily"
        shutil.rmtree(self.staged, ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)
        t = time.perf_counter()
        daily_generate(month, days, out=self.staged, exchange=exchange, log=lambda *_: None)
        self.generate_s = time.perf_counter() - t
        self.specs = load_daily_specs()

    def arrive(self, seq: int) -> None:
        for name in self.specs:
            for p in (self.staged / name).glob(f"*_{seq:06d}.txt*"):
                (self.folder / name).mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, self.folder / name / p.name)


def main(argv=None) -> int:
    a = parse_args("python -m bench.daily", argv)
    from loaders.daily import load_daily
    from synth.__main__ import generate

    root = settings.VAR / "bench" / "daily" / f"scale_{a.scale}"
    exchange = root / "exchange"
    t = time.perf_counter()
    generate(START, 2, a.scale, a.seed, out=exchange, log=lambda *_: None)
    gen_s = time.perf_counter() - t
    print(f"[bench] roll-ups {START}–{MONTH} at scale {a.scale}: {gen_s:.1f}s (load {load_avg()})", flush=True)
    feed = DailyFeed(root, MONTH, a.days, exchange)
    dgen_s, specs, folder = feed.generate_s, feed.specs, feed.folder

    admin = settings.warehouse_url()
    base = admin.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute("drop database if exists bench_daily with (force)")
        c.execute("create database bench_daily")
    url = f"{base}/bench_daily"

    rows = []
    for seq in range(1, a.days + 2):
        feed.arrive(seq)
        la = load_avg()
        t = time.perf_counter()
        summary = load_daily(url=url, folder=folder, log=lambda *_: None)
        secs = time.perf_counter() - t
        assert all(v["status"] == "applied" and [x["seq"] for x in v["applied"]] == [seq] for v in summary.values()), summary
        per = {k: v["applied"][0] for k, v in summary.items()}
        rows.append({"seq": seq, "seconds": round(secs, 2), "load_avg": la,
                     "rows": sum(x["rows_read"] for x in per.values()),
                     "per_interface": {k: {f: x[f] for f in ("rows_read", "inserted", "updated", "deleted", "seconds")}
                                       for k, x in per.items()}})
        print(f"[bench] seq {seq}: {rows[-1]['rows']:,} rows in {secs:.1f}s (load {la})", flush=True)
    with psycopg.connect(url) as c:
        current = {k: c.execute(f"select count(*) from raw.{k} where _valid_to is null").fetchone()[0] for k in specs}
    days = rows[1:]
    worst = max(days, key=lambda r: r["seconds"])
    lines = [f"**Scale {a.scale}**, roll-ups {START}–{MONTH} generated in {gen_s:.0f} s (the generator simulates the months again on every run), "
             f"January's daily files written in {dgen_s:.1f} s. Own database `bench_daily`, loaded as the warehouse's "
             "administrator URL (the scratch database has no `wh_loader`; the CLI runs as `wh_loader`).", "",
             "| sequence | business day | rows (all 7 interfaces) | seconds | load average (1 / 5 / 15 min) at start |",
             "|---:|---|---:|---:|---|"]
    for r in rows:
        label = "2024-12-31 initial full load (not the target)" if r["seq"] == 1 else f"2025-01-{r['seq'] - 1:02d}"
        lines.append(f"| {r['seq']} | {label} | {r['rows']:,} | {r['seconds']:.1f} | {r['load_avg']} |")
    lines += ["", f"Target: a day's increment of every daily source at scale 0.1 in ≤ 60 s — slowest day "
                  f"{worst['seconds']:.1f} s ({'met' if worst['seconds'] <= 60 else 'NOT met'}"
                  f"{'' if a.scale == 0.1 else f', but measured at scale {a.scale}'}).", "",
              f"Per interface, sequence {worst['seq']} (the slowest day):", "",
              "| interface | rows | I | U | D | seconds | current rows after |", "|---|---:|---:|---:|---:|---:|---:|"]
    for k, x in worst["per_interface"].items():
        lines.append(f"| {k} | {x['rows_read']:,} | {x['inserted']:,} | {x['updated']:,} | {x['deleted']:,} | "
                     f"{x['seconds']:.2f} | {current[k]:,} |")
    cmd = f"make bench-daily (python -m bench.daily --scale {a.scale} --days {a.days})"
    md = write_result("daily", cmd, {"scale": a.scale, "generate_s": gen_s, "runs": rows, "current": current},
                      "\n".join(lines))
    print(f"[bench] → {md}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute("drop database if exists bench_daily with (force)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
