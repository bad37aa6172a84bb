"""Warehouse build times at scale: a full build of 12 months, then one new month built incrementally.

    python -m bench.warehouse [--scale 0.1] [--months 12] [--start 202401] [--keep] [--resume]

Runs on its own database (bench_warehouse) and drop zone (var/bench/warehouse), never on the demo data,
through the same command as `make build` (pipeline.build: dbt build + quality reports + run log):
1. generate n + 1 months; 2. load months 1..n (each timed);
3. `pipeline.build --full-refresh`: every model built over the n months (timed — a full rebuild);
4. load month n + 1 and `pipeline.build` again: incremental models rebuild only the new month and the tests
   on them check only its rows (timed — the monthly build).
With --keep the database stays for other benchmarks (bench.cube); --resume keeps the database after an interrupted
run and skips what is done already: months the load audit holds are not generated or loaded again (their timings
are taken from the interrupted run's bench/results/warehouse.json), the builds always run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql as pgsql

from bench.common import read_result, run_step, write_result
from foundation import settings
from foundation.months import month_range

DB = "bench_warehouse"
INCREMENTAL = "incremental build of one new month"     # the names of the two timed builds in the results


def full_build(months: int) -> str:
    return f"full build of {months} months"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.warehouse")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--start", default="202401")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--resume", action="store_true", help="keep the database; redo only the builds")
    ap.add_argument("--report-only", action="store_true",
                    help="write the summary from the timings the last run recorded (bench/results/warehouse.json) "
                         "and the database it kept; runs nothing")
    ap.add_argument("--skip-full-build", action="store_true",
                    help="with --resume: keep the full build's timing from the interrupted run, time only the new month")
    ap.add_argument("--rebuild-new-month", action="store_true",
                    help="with --resume --skip-full-build: make the new month new again for every incremental model "
                         "(its rows deleted, its build's test watermark forgotten) and time its incremental build "
                         "again — re-measures the monthly build after model changes without regenerating the data")
    a = ap.parse_args(argv)
    if a.rebuild_new_month and not (a.resume and a.skip_full_build):
        ap.error("--rebuild-new-month needs --resume --skip-full-build")
    from runtime import pg

    pg.start()
    server = settings.warehouse_url()
    admin = server.rsplit("/", 1)[0] + "/postgres"
    url = server.rsplit("/", 1)[0] + f"/{DB}"
    var = settings.VAR / "bench" / "warehouse"
    env = {**os.environ, "WAREHOUSE_URL": url, "WAREHOUSE_VAR": str(var), "DBT_TARGET_PATH": str(var / "target"),
           "DBT_LOG_PATH": str(var / "logs"), "WAREHOUSE_OPERATOR": "bench"}
    months = month_range(a.start, a.months + 1)
    new_month = months[-1]
    timings: dict[str, float] = {}

    def record(final: bool) -> None:
        """Write what has been measured so far (a long run that is stopped still leaves its figures)."""
        lines = "\n".join(f"| {k} | {v} | {v / 60:.1f} |" for k, v in timings.items())
        note = "" if final else "\n\n**Incomplete run**: the steps not listed were not reached.\n"
        write_result("warehouse", f"python -m bench.warehouse --scale {a.scale} --months {a.months} --start {a.start}",
                     {"scale": a.scale, "months": a.months, "timings": timings, "complete": final,
                      "resumed": a.resume, "skipped_full_build": a.skip_full_build, "resumed_months": len(loaded)},
                     "| step | seconds | minutes |\n|---|---:|---:|\n" + lines + note)

    def step(name: str, args: list[str]) -> float:
        secs = run_step(name, ["-m", *args], env, var / "logs")
        timings[name] = round(secs, 1)
        record(final=False)
        return secs

    loaded: set[str] = set()
    full, inc = full_build(a.months), INCREMENTAL
    if a.report_only:
        earlier = read_result("warehouse") or {}
        timings.update(earlier.get("timings", {}))
        if full not in timings or inc not in timings:
            raise SystemExit("--report-only: the last run did not record both builds")
        a.resume = a.resume or bool(earlier.get("resumed"))
        a.skip_full_build = a.skip_full_build or bool(earlier.get("skipped_full_build"))
        return summarise(a, timings, url, admin, new_month,
                         earlier.get("resumed_months", a.months if a.resume else 0))
    if not a.resume:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'drop database if exists "{DB}" with (force)')
            c.execute(f'create database "{DB}"')
    else:
        with psycopg.connect(url) as c:
            loaded = {r[0] for r in c.execute("select distinct to_char(data_month, 'YYYYMM') from audit.load_batch "
                                              "where status = 'loaded'")}
        earlier = read_result("warehouse")
        if earlier and (earlier.get("scale"), earlier.get("months")) == (a.scale, a.months):
            timings.update({k: v for k, v in earlier.get("timings", {}).items()
                            if k == "generate" or (k.startswith("load ") and k[5:] in loaded)
                            or (a.skip_full_build and k.startswith("full build"))})
        print(f"[bench] resuming: {len(loaded)} month(s) loaded already", flush=True)
    if not all(m in loaded or (var / "exchange" / m).is_dir() for m in months):
        step("generate", ["synth", "--start", a.start, "--months", str(a.months + 1), "--scale", str(a.scale),
                          "--out", str(var / "exchange")])
    for m in months[:-1]:
        if m not in loaded:
            step(f"load {m}", ["loaders", "load", "--month", m])
    if not (a.resume and a.skip_full_build and full in timings):
        step(full, ["pipeline.build", "--skip-load", "--full-refresh", "--month", months[-2]])
    if new_month not in loaded:
        step(f"load {new_month}", ["loaders", "load", "--month", new_month])
    elif a.rebuild_new_month:
        forget_month(url, env, var, new_month)
    step(inc, ["pipeline.build", "--skip-load", "--month", new_month])
    return summarise(a, timings, url, admin, new_month, len(loaded))


def forget_month(url: str, env: dict, var: Path, month: str) -> None:
    """Put the warehouse back to "month loaded, not built": delete the month's rows from every incremental model
    (by its unique key: the month, or its year for the year-incremental distinct structures) and drop the test
    watermark its build recorded, so the next build rebuilds and tests it as a new month."""
    res = subprocess.run([sys.executable, "-m", "runtime.dbt", "parse", "-q"], cwd=settings.ROOT, env=env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"dbt parse failed:\n{res.stdout[-2000:]}{res.stderr[-2000:]}")
    manifest = json.loads((var / "target" / "manifest.json").read_text())
    start = f"{month[:4]}-{month[4:]}-01"
    with psycopg.connect(url, autocommit=True) as c:
        for node in manifest["nodes"].values():
            if node["resource_type"] != "model" or node["config"].get("materialized") != "incremental":
                continue
            key = node["config"].get("unique_key")
            cond = {"month_start": ("month_start = %s::date", start), "year": ("year = %s", int(month[:4]))}.get(key)
            if cond is None:
                raise SystemExit(f"{node['name']}: unique key {key!r} — do not know how to forget a month")
            c.execute(pgsql.SQL("delete from {} where " + cond[0]).format(
                pgsql.Identifier(node["schema"], node["alias"])), (cond[1],))
        c.execute("update audit.run_log set detail = detail - 'tested_through_batch' "
                  "where action = 'build' and data_month = %s", (month,))
    print(f"[bench] {month}: rows deleted from the incremental models, its test watermark forgotten", flush=True)


def summarise(a, timings: dict, url: str, admin: str, new_month: str, resumed_months: int) -> int:
    """The result file: every step's timing, the data's size, the targets."""
    full, inc = full_build(a.months), INCREMENTAL
    with psycopg.connect(url) as c:
        rows = c.execute("select count(*) from marts.fct_pension_person_month").fetchone()[0]
        raw_rows = int(c.execute("select sum(rows_loaded) from audit.load_batch where status = 'loaded'").fetchone()[0])
        nodes = c.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()[0]
    if not a.keep:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'drop database if exists "{DB}" with (force)')
    load_total = sum(v for k, v in timings.items() if k.startswith("load "))
    inc, full = timings[inc], timings[full]
    table = ("| step | seconds |\n|---|---:|\n" + "\n".join(f"| {k} | {v} |" for k, v in timings.items()) +
             f"\n\nScale {a.scale}, {a.months} months from {a.start}: {raw_rows:,} rows loaded into raw, "
             f"fct_pension_person_month {rows:,} rows, {nodes} tables in marts; dbt with 2 threads.\n\n"
             f"- one new month ({new_month}) on top of {a.months}, incremental `make build` (every model, "
             f"snapshot, every test; tests on incremental models read the new month's rows): **{inc / 60:.1f} min** "
             f"(target < 10 min: {'met' if inc < 600 else 'NOT met'})\n"
             f"- full build of {a.months} months (`make build FULL_REFRESH=1`): **{full / 60:.1f} min**\n"
             f"- loading {a.months + 1} months (validation + COPY): {load_total / 60:.1f} min\n" +
             (f"- resumed (`--resume{' --skip-full-build' if a.skip_full_build else ''}"
              f"{' --rebuild-new-month' if a.rebuild_new_month else ''}`) "
              f"{'to re-time the new month after model changes' if a.rebuild_new_month else 'after an interrupted run'}: "
              f"generation, the loads of {resumed_months} month(s)"
              f"{' and the full build' if a.skip_full_build else ''} are the earlier run's figures\n"
              if a.resume else ""))
    write_result("warehouse", f"python -m bench.warehouse --scale {a.scale} --months {a.months} --start {a.start}",
                 {"scale": a.scale, "months": a.months, "timings": timings, "raw_rows": raw_rows,
                  "fact_rows": rows, "complete": True, "resumed": a.resume, "skipped_full_build": a.skip_full_build,
                  "resumed_months": resumed_months}, table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
