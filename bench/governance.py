"""Governance build times: identity, governance rules and the twelve topic libraries on a drop of n months.

    python -m bench.governance [--scale 0.01] [--months 3] [--start 202411]

Runs on its own database (bench_governance) and drop zone (var/bench/governance), never on the demo data:
1. generate n months (with the cross-source anomalies) and load them (timed);
2. the governance build — `dbt build` of everything the topic libraries, their snapshots and the governance
   summary need (staging → identity → rules → topic libraries → monitor, with their tests), as of month n − 1 (timed);
3. the topic libraries refreshed as of month n (the monthly refresh: snapshots append the changes, change logs
   list who entered and left; timed), with rows, entered and left per library from the monitoring view.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import psycopg

from bench.common import run_step, write_result
from foundation import settings
from foundation.months import month_range

DB = "bench_governance"
SELECT = ["+path:models/topics", "+path:snapshots/topics", "+rpt_governance_anomaly_summary"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.governance")
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--start", default="202411")
    a = ap.parse_args(argv)
    from runtime import pg

    pg.start()
    server = settings.warehouse_url()
    admin = server.rsplit("/", 1)[0] + "/postgres"
    url = server.rsplit("/", 1)[0] + f"/{DB}"
    var = settings.VAR / "bench" / "governance"
    env = {**os.environ, "WAREHOUSE_URL": url, "WAREHOUSE_VAR": str(var), "DBT_TARGET_PATH": str(var / "target"),
           "DBT_LOG_PATH": str(var / "logs"), "WAREHOUSE_OPERATOR": "bench"}
    months = month_range(a.start, a.months)
    timings: dict[str, float] = {}
    command = f"python -m bench.governance --scale {a.scale} --months {a.months} --start {a.start}"

    def step(name: str, args: list[str]) -> None:
        timings[name] = round(run_step(name, ["-m", *args], env, var / "logs"), 1)

    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'drop database if exists "{DB}" with (force)')
        c.execute(f'create database "{DB}"')
    step("generate", ["synth", "--start", a.start, "--months", str(a.months), "--scale", str(a.scale),
                      "--out", str(var / "exchange"), "--cross-anomalies"])
    for m in months:
        step(f"load {m}", ["loaders", "load", "--month", m])

    def dbt(name: str, as_of: str) -> None:
        step(name, ["runtime.dbt", "build", "--no-use-colors", "--select", *SELECT, "--indirect-selection", "cautious",
                    "--vars", json.dumps({"topic_as_of": as_of})])

    first = f"{months[-2][:4]}-{months[-2][4:]}-01"
    last = f"{months[-1][:4]}-{months[-1][4:]}-01"
    dbt(f"governance build (identity, rules, 12 topic libraries) as of {months[-2]}", first)
    dbt(f"topic libraries refreshed as of {months[-1]}", last)
    with psycopg.connect(url) as c:
        libs = c.execute("select library, population_rows, entered_last_refresh, left_last_refresh "
                         "from topic_monitor.topic_monitor__libraries order by library").fetchall()
        raw_rows = int(c.execute("select coalesce(sum(rows_loaded), 0) from audit.load_batch where status = 'loaded'").fetchone()[0])
        anomalies = c.execute("select count(*) from marts.fct_governance_anomaly").fetchone()[0]
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'drop database if exists "{DB}" with (force)')
    table = ("| step | seconds | minutes |\n|---|---:|---:|\n"
             + "\n".join(f"| {k} | {v} | {v / 60:.1f} |" for k, v in timings.items())
             + f"\n\nScale {a.scale} ({a.months} months, {raw_rows:,} rows loaded), {anomalies:,} governance anomalies.\n\n"
             + "| topic library | rows | entered at the last refresh | left at the last refresh |\n|---|---:|---:|---:|\n"
             + "\n".join(f"| {n} | {r:,} | {e:,} | {lft:,} |" for n, r, e, lft in libs))
    write_result("governance", command, {"scale": a.scale, "months": a.months, "timings": timings,
                                         "rows_loaded": raw_rows, "anomalies": anomalies,
                                         "libraries": [list(x) for x in libs]}, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
