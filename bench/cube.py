"""Latency of the cube service's aggregate queries, cold (result cache cleared) and cached.

    python -m bench.cube [--schema official|marts] [--repeat 20] [--only TEXT] [--results-name cube] [--compare-fact]
    WAREHOUSE_URL=postgresql://user:password@127.0.0.1:55432/bench_warehouse python -m bench.cube --repeat 20
    python -m bench.cube --generate [--scale 0.1 --months 12 --start 202401]

Without ``--generate`` it measures whatever the database holds and never writes to it: the database is the one
of foundation.settings (``WAREHOUSE_URL`` when set, else the embedded ``warehouse``), the schema ``official`` when it
holds a release, else the review build ``marts`` (``--schema`` to choose). Tables a database lacks are not an
error: without the pre-aggregates the planner reads the facts (the path column shows it), a cube whose fact is
missing is reported as skipped. With ``--generate`` it first writes, loads and builds its own synthetic drop
(``make generate build``; this rebuilds the marts, so do not use it on a shared database).
The service runs in-process under uvicorn on a free loopback port and is queried over HTTP with an admin
token; "cold" clears the cube's result cache before every request (PostgreSQL's own buffers stay warm),
"cached" repeats the request. Targets (issue 6): cold p95 < 500 ms, cached p95 < 20 ms.
The matrix covers the pension cube (stocks, flows, ratios, time intelligence), distinct contributors over month
ranges, quarters and years, and the other subjects' cubes. Each query reports where it read (the response's
``query_path``, summary / cells): a fact, a pre-aggregate (agg_pension_month), and ``+<table>`` when the distinct
counts came from agg_pension_contributor_period (stored year/quarter counts) or agg_pension_contributor_year
(month masks). ``--compare-fact`` also times every query cold with aggregate awareness off (CUBE_AGGREGATES=off).
Results go to bench/results/<results-name>.md and .json (use another name than ``cube`` for trial runs).
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import psycopg

from bench.common import write_result
from foundation import settings

# (label, cube, request). {last}: the last month of the pension fact, {first6}/{first12}: 6/12 months before
# (or the first month), {year}: the last complete calendar year (or the last month's year).
MATRIX = [
    ("whole Beijing, default measures (incl. contributors)", "pension", {}),
    ("last month by district", "pension", {"cut": "month:{last}", "drilldown": "district"}),
    ("6-month range by district (stocks at end)", "pension", {"cut": "month:{first6}-{last}", "drilldown": "district"}),
    ("by month", "pension", {"drilldown": "month"}),
    ("district × month, paged", "pension", {"drilldown": "district|month", "order": "pension_paid:desc",
                                            "pagesize": 50}),
    ("gender × age band, last month", "pension", {"cut": "month:{last}", "drilldown": "gender|age_band"}),
    ("industry section × person type", "pension", {"drilldown": "industry_section|person_type",
                                                    "measures": "insured_total,pension_paid,contribution_income"}),
    ("district set, by quarter", "pension", {"cut": "district:110105;110108", "drilldown": "time@quarter",
                                             "measures": "insured_total,pension_paid,contribution_income"}),
    ("MoM/YoY/YTD/share by month", "pension", {"drilldown": "month", "measures": "pension_paid,pension_paid.mom,"
                                               "pension_paid.yoy,contribution_income.ytd,insured_total.share"}),
    # distinct contributors (缴费人数) over periods: stored year/quarter counts, month masks, month aggregate
    ("contributors by district, whole history", "pension", {"drilldown": "district", "measures": "contributors"}),
    ("contributors by district, 6-month range", "pension", {"cut": "month:{first6}-{last}", "drilldown": "district",
                                                           "measures": "contributors,contribution_base,"
                                                           "average_contribution_base"}),
    ("contributors, 12-month range by gender", "pension", {"cut": "month:{first12}-{last}", "drilldown": "gender",
                                                          "measures": "contributors"}),
    ("contributors by year × district", "pension", {"drilldown": "time@year|district", "measures": "contributors"}),
    ("contributors by quarter × person type, one year", "pension", {
        "cut": "year:{year}", "drilldown": "time@quarter|person_type", "measures": "contributors"}),
    ("contributors, one year, district set by age band", "pension", {
        "cut": "year:{year}|district:110105;110108", "drilldown": "age_band", "measures": "contributors"}),
    ("contributors by month, 6-month range", "pension", {"cut": "month:{first6}-{last}", "drilldown": "month",
                                                        "measures": "contributors"}),
    # distinct contributors over months with a gap (not one contiguous range: neither periods nor spells apply)
    ("contributors, two months with a gap in one year, by district", "pension", {
        "cut": "month:{year}02;{year}11", "drilldown": "district", "measures": "contributors"}),
    ("contributors, two months with a gap across years", "pension", {
        "cut": "month:{first12};{last}", "measures": "contributors"}),
    ("contributors, a year but one month, by gender", "pension", {
        "cut": "year:{year}|!month:{year}06", "drilldown": "gender", "measures": "contributors"}),
    # the other subjects
    ("unemployment contributors by district, 6 months", "unemployment", {
        "cut": "month:{first6}-{last}", "drilldown": "district", "measures": "insured,contributors"}),
    ("work-injury insured by district, last month", "injury_insured", {"cut": "month:{last}", "drilldown": "district"}),
    ("work-injury settlements by item, one year", "injury_settlement", {"cut": "year:{year}",
                                                                          "drilldown": "settlement_item"}),
    ("maternity beneficiaries by district, 6 months", "maternity_benefit", {"cut": "month:{first6}-{last}",
                                                                             "drilldown": "district"}),
    ("job market 求人倍率 by quarter", "job_market", {"drilldown": "time@quarter"}),
    ("training trainees by type × month", "training_trainee", {"drilldown": "training_type|month"}),
    ("petitions by channel, one year", "petition", {"cut": "year:{year}", "drilldown": "channel"}),
    ("fund ledger by insurance type × year", "dmp_fund_ledger", {"drilldown": "insurance_type|time@year"}),
    ("pension relations by insurance type, last month", "dmp_person_relation", {
        "cut": "month:{last}", "drilldown": "insurance_type|district", "measures": "insured,active,retired"}),
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def short_path(path: str) -> str:
    """``aggregate:agg_pension_month + distinct:agg_pension_contributor_period`` → ``agg_pension_month+…_period``."""
    main, _, distinct = path.partition(" + distinct:")
    main = main.removeprefix("aggregate:")
    return main + (f"+{distinct}" if distinct else "")


def fmt_path(path: dict) -> str:
    return " / ".join(path.get(k, "-") for k in ("summary", "cells"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _table_info(conn, schema: str) -> dict:
    """Row counts (planner estimates, cheap on a large database) of the facts and pre-aggregates the matrix reads."""
    from cube.model import load_cubes

    cubes = load_cubes()
    names = sorted({cubes[c].fact for _, c, _ in MATRIX if c in cubes}
                   | {t for _, c, _ in MATRIX if c in cubes for t in cubes[c].aggregate_tables})
    rows = conn.execute("select c.relname, greatest(c.reltuples, 0)::bigint from pg_class c join pg_namespace n "
                        "on n.oid = c.relnamespace where n.nspname = %s and c.relname = any(%s)",
                        (schema, names)).fetchall()
    found = dict(rows)
    return {t: found.get(t) for t in names}


def timed(http, cube: str, p: dict) -> tuple[float, Any]:
    t = time.perf_counter()
    r = http.get(f"/cube/{cube}/aggregate", params=p)
    return (time.perf_counter() - t) * 1000, r


def _times(http, cube: str, p: dict, n: int, cold: bool) -> list[float]:
    """``n`` requests (the result cache cleared before each when ``cold``), in ms."""
    from cube.cache import CACHE

    out = []
    for _ in range(n):
        if cold:
            CACHE.clear()
        ms, r = timed(http, cube, p)
        r.raise_for_status()
        out.append(ms)
    return out


def measure_query(http, label: str, cube: str, p: dict, repeat: int, compare_fact: bool) -> dict:
    """Cold and cached latency of one request (and cold with aggregate awareness off, ``compare_fact``)."""
    from cube.cache import CACHE

    CACHE.clear()
    ms, r = timed(http, cube, p)
    if r.status_code != 200:        # e.g. a cube whose tables this database does not have
        print(f"{label:50s} skipped: HTTP {r.status_code} {r.json().get('message', '')[:120]}")
        return {"query": label, "cube": cube, "params": p, "skipped": r.json().get("message")}
    path = r.json().get("query_path") or {}
    cold = [ms] + _times(http, cube, p, repeat - 1, cold=True)
    fact_cold: list[float] = []
    if compare_fact:
        os.environ["CUBE_AGGREGATES"] = "off"
        try:
            fact_cold = _times(http, cube, p, repeat, cold=True)
        finally:
            os.environ.pop("CUBE_AGGREGATES", None)
        CACHE.clear()
        timed(http, cube, p)            # the next mode starts from the normal path's cached answer
    cached = _times(http, cube, p, repeat, cold=False)
    short = {k: short_path(v) for k, v in path.items() if k in ("summary", "cells")}
    x = {"query": label, "cube": cube, "params": p, "path": short,
         "fact_cold_p50_ms": round(statistics.median(fact_cold), 1) if fact_cold else None,
         "fact_cold_p95_ms": round(pct(fact_cold, 0.95), 1) if fact_cold else None,
         "cold_p50_ms": round(statistics.median(cold), 1), "cold_p95_ms": round(pct(cold, 0.95), 1),
         "cached_p50_ms": round(statistics.median(cached), 1), "cached_p95_ms": round(pct(cached, 0.95), 1)}
    print(f"{label:50s} {fmt_path(short):60s} cold p50 {x['cold_p50_ms']:8.1f} p95 {x['cold_p95_ms']:8.1f}"
          f"  cached p50 {x['cached_p50_ms']:6.1f} p95 {x['cached_p95_ms']:6.1f} ms", flush=True)
    return x


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schema", default=None, help="schema to read (default: official if it exists, else marts)")
    ap.add_argument("--repeat", type=int, default=20, help="requests per query and mode")
    ap.add_argument("--only", default=None, help="run only the queries whose label or cube contains this text (alternatives separated by |)")
    ap.add_argument("--results-name", default="cube",
                    help="bench/results/<name>.md|json to write (default cube; use another name for trial runs)")
    ap.add_argument("--generate", action="store_true", help="generate, load and build a synthetic drop first")
    ap.add_argument("--scale", default="0.1")
    ap.add_argument("--months", default="12")
    ap.add_argument("--start", default="202401")
    ap.add_argument("--compare-fact", action="store_true",
                    help="also time each query cold with aggregate awareness off (every statement on the fact)")
    args = ap.parse_args(argv)
    command = "python -m bench.cube " + " ".join(argv if argv is not None else sys.argv[1:])
    url = settings.warehouse_url()
    if os.environ.get("WAREHOUSE_URL"):
        command = f"WAREHOUSE_URL=postgresql://…/{settings.url_parts(url)['dbname']} " + command

    if args.generate:
        subprocess.run(["make", "generate", "build", f"SCALE={args.scale}", f"MONTHS={args.months}",
                        f"START={args.start}"], cwd=settings.ROOT, check=True)

    with psycopg.connect(url) as conn:
        schema = args.schema or ("official" if conn.execute("select to_regclass('official.fct_pension_person_month')")
                                 .fetchone()[0] else "marts")
        if conn.execute("select to_regclass(%s)", (f"{schema}.fct_pension_person_month",)).fetchone()[0] is None:
            print(f"{schema}.fct_pension_person_month does not exist in {settings.url_parts(url)['dbname']}: "
                  "build the warehouse first", file=sys.stderr)
            return 1
        months = [r[0] for r in conn.execute(
            f'select distinct month_key from "{schema}".fct_pension_person_month order by 1')]
        tables = _table_info(conn, schema)
    if not months:
        print(f"{schema}.fct_pension_person_month is empty: build the warehouse first", file=sys.stderr)
        return 1
    os.environ["CUBE_SCHEMA"] = schema

    import uvicorn

    from cube import access
    from cube.app import app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", workers=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {access.token_for('admin')}"}
    full_years = [y for y in sorted({m // 100 for m in months}) if all(y * 100 + k in months for k in range(1, 13))]
    subst = {"last": months[-1], "first6": months[-6] if len(months) >= 6 else months[0],
             "first12": months[-12] if len(months) >= 12 else months[0],
             "year": full_years[-1] if full_years else months[-1] // 100}
    only = args.only.split("|") if args.only else []
    matrix = [q for q in MATRIX if not only or any(o in q[0] or o in q[1] for o in only)]
    results = []

    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600) as http:
            http.get("/cube/pension/aggregate", params={"measures": "pension_paid"})   # warm-up: pool, models
            for label, cube, params in matrix:
                p = {k: (v.format(**subst) if isinstance(v, str) else v) for k, v in params.items()}
                results.append(measure_query(http, label, cube, p, args.repeat, args.compare_fact))
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    measured = [r for r in results if "skipped" not in r]
    if not measured:
        print("no query could be measured", file=sys.stderr)
        return 1
    all_cold = max(r["cold_p95_ms"] for r in measured)
    all_cached = max(r["cached_p95_ms"] for r in measured)
    over = [r["query"] for r in measured if r["cold_p95_ms"] >= 500]
    data = {"schema": schema, "database": settings.url_parts(url)["dbname"], "tables": tables,
            "months": len(months), "first_month": months[0], "last_month": months[-1], "repeat": args.repeat,
            "generated": args.generate, "scale": args.scale if args.generate else "as in the warehouse",
            "results": results, "worst_cold_p95_ms": all_cold, "worst_cached_p95_ms": all_cached,
            "cold_over_target": over, "targets": {"cold_p95_ms": 500, "cached_p95_ms": 20},
            "meets_targets": all_cold < 500 and all_cached < 20}
    sizes = ", ".join(f"{t} {'absent' if n is None else f'~{n:,}'}" for t, n in tables.items())
    table = [f"Data: database `{data['database']}`, schema `{schema}`, {len(months)} month(s) {months[0]}–{months[-1]} "
             f"({'generated: scale ' + args.scale if args.generate else 'whatever the warehouse held'}). "
             f"Rows (planner estimates): {sizes}. "
             f"{args.repeat} requests per query and mode over HTTP (in-process uvicorn, 1 worker). "
             "Cold = cube result cache cleared before each request (PostgreSQL's buffers stay warm). Path: where the "
             "summary / cells statements read (a fact, a pre-aggregate, `+table` = distinct counts from that table)"
             + ("; fact-only cold p95 = the same request with aggregate awareness off." if args.compare_fact else "."),
             "",
             "| query | cube | path (summary / cells) | cold p50 ms | cold p95 ms | cached p50 ms | cached p95 ms |"
             + (" fact-only cold p95 ms |" if args.compare_fact else ""),
             "|---|---|---|---:|---:|---:|---:|" + ("---:|" if args.compare_fact else "")]
    for r in results:
        if "skipped" in r:
            table.append(f"| {r['query']} | {r['cube']} | skipped: {r['skipped']} | | | | |"
                         + (" |" if args.compare_fact else ""))
            continue
        table.append(f"| {r['query']} | {r['cube']} | {fmt_path(r['path'])} | {r['cold_p50_ms']} | "
                     f"{r['cold_p95_ms']} | {r['cached_p50_ms']} | {r['cached_p95_ms']} |"
                     + (f" {r['fact_cold_p95_ms']} |" if args.compare_fact else ""))
    table += ["", f"Worst p95: cold {all_cold} ms (target < 500), cached {all_cached} ms (target < 20): "
              f"{'targets met' if data['meets_targets'] else 'targets NOT met'}."
              + (f" Cold p95 at or over 500 ms: {', '.join(over)}." if over else "")]
    md = write_result(args.results_name, command, data, "\n".join(table))
    print(f"written {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
