"""Latency of the cube service's aggregate queries, cold (result cache cleared) and cached.

    python -m bench.cube [--schema official] [--repeat 20] [--generate [--scale 0.1 --months 12 --start 202401]]

Without ``--generate`` it measures whatever the warehouse holds (it never touches the data). With
``--generate`` it first writes, loads and builds its own synthetic drop (``make generate build`` with the
given scale and months; this rebuilds the marts, so do not use it on a shared database).
The service runs in-process under uvicorn on a free loopback port and is queried over HTTP with an admin
token; "cold" clears the cube's result cache before every request (PostgreSQL's own buffers stay warm),
"cached" repeats the request. Targets (issue 6): cold p95 < 500 ms, cached p95 < 20 ms.
Each query reports where it read (the response's ``query_path``): ``agg`` = the pre-aggregate
agg_pension_month, ``fact`` = fct_pension_person_month, for the summary and the cells statement.
``--compare-fact`` also times every query cold with aggregate awareness off (CUBE_AGGREGATES=off).
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

import httpx
import psycopg

from bench.common import write_result
from ops import settings

MATRIX = [
    ("whole Beijing, all measures", {}),
    ("last month by district", {"cut": "month:{last}", "drilldown": "district"}),
    ("6-month range by district (stocks at end)", {"cut": "month:{first6}-{last}", "drilldown": "district"}),
    ("by month", {"drilldown": "month"}),
    ("district × month, paged", {"drilldown": "district|month", "order": "pension_paid:desc", "pagesize": 50}),
    ("gender × age band, last month", {"cut": "month:{last}", "drilldown": "gender|age_band"}),
    ("industry × person type", {"drilldown": "industry_section|person_type"}),
    ("district set, by quarter", {"cut": "district:110105;110108", "drilldown": "time@quarter"}),
    ("MoM/YoY/YTD/share by month", {"drilldown": "month", "measures": "pension_paid,pension_paid.mom,"
                                     "pension_paid.yoy,contribution_income.ytd,insured_total.share"}),
    ("contributors (distinct) by district", {"drilldown": "district", "measures": "contributors"}),
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def fmt_path(path: dict) -> str:
    return " / ".join(path.get(k, "-") for k in ("summary", "cells"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schema", default=None, help="schema to read (default: official if it exists, else marts)")
    ap.add_argument("--repeat", type=int, default=20, help="requests per query and mode")
    ap.add_argument("--generate", action="store_true", help="generate, load and build a synthetic drop first")
    ap.add_argument("--scale", default="0.1")
    ap.add_argument("--months", default="12")
    ap.add_argument("--start", default="202401")
    ap.add_argument("--compare-fact", action="store_true",
                    help="also time each query cold with aggregate awareness off (every statement on the fact)")
    args = ap.parse_args(argv)
    command = "python -m bench.cube " + " ".join(argv if argv is not None else sys.argv[1:])

    if args.generate:
        subprocess.run(["make", "generate", "build", f"SCALE={args.scale}", f"MONTHS={args.months}",
                        f"START={args.start}"], cwd=settings.ROOT, check=True)

    with psycopg.connect(settings.warehouse_url()) as conn:
        schema = args.schema or ("official" if conn.execute("select to_regclass('official.fct_pension_person_month')")
                                 .fetchone()[0] else "marts")
        months = [r[0] for r in conn.execute(
            f'select distinct month_key from "{schema}".fct_pension_person_month order by 1')]
        rows = conn.execute(f'select count(*) from "{schema}".fct_pension_person_month').fetchone()[0]
        agg_rows = (conn.execute(f'select count(*) from "{schema}".agg_pension_month').fetchone()[0]
                    if conn.execute("select to_regclass(%s)", (f"{schema}.agg_pension_month",)).fetchone()[0] else None)
    if not months:
        print(f"{schema}.fct_pension_person_month is empty: build the warehouse first", file=sys.stderr)
        return 1
    os.environ["CUBE_SCHEMA"] = schema

    import uvicorn

    from cube import access
    from cube.app import app
    from cube.cache import CACHE

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", workers=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {access.token_for('admin')}"}
    subst = {"last": months[-1], "first6": months[-6] if len(months) >= 6 else months[0]}
    results = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
            http.get("/cube/pension/aggregate")          # warm-up: connection pool, model loading
            for label, params in MATRIX:
                p = {k: (v.format(**subst) if isinstance(v, str) else v) for k, v in params.items()}
                cold, cached, fact_cold = [], [], []
                path = None
                for _ in range(args.repeat):
                    CACHE.clear()
                    t = time.perf_counter()
                    r = http.get("/cube/pension/aggregate", params=p)
                    cold.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                    path = r.json().get("query_path") or {}
                if args.compare_fact:
                    os.environ["CUBE_AGGREGATES"] = "off"
                    try:
                        for _ in range(args.repeat):
                            CACHE.clear()
                            t = time.perf_counter()
                            http.get("/cube/pension/aggregate", params=p).raise_for_status()
                            fact_cold.append((time.perf_counter() - t) * 1000)
                    finally:
                        os.environ.pop("CUBE_AGGREGATES", None)
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    r = http.get("/cube/pension/aggregate", params=p)
                    cached.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                short = {k: ("agg" if v.startswith("aggregate") else v) for k, v in path.items()}
                results.append({"query": label, "params": p, "path": short,
                                "fact_cold_p50_ms": round(statistics.median(fact_cold), 1) if fact_cold else None,
                                "fact_cold_p95_ms": round(pct(fact_cold, 0.95), 1) if fact_cold else None,
                                "cold_p50_ms": round(statistics.median(cold), 1),
                                "cold_p95_ms": round(pct(cold, 0.95), 1),
                                "cached_p50_ms": round(statistics.median(cached), 1),
                                "cached_p95_ms": round(pct(cached, 0.95), 1)})
                print(f"{label:45s} {fmt_path(short):22s} cold p50 {results[-1]['cold_p50_ms']:7.1f} p95 {results[-1]['cold_p95_ms']:7.1f}"
                      f"  cached p50 {results[-1]['cached_p50_ms']:6.1f} p95 {results[-1]['cached_p95_ms']:6.1f} ms")
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    all_cold = max(r["cold_p95_ms"] for r in results)
    all_cached = max(r["cached_p95_ms"] for r in results)
    data = {"schema": schema, "fact_rows": rows, "aggregate_rows": agg_rows, "months": len(months),
            "repeat": args.repeat,
            "generated": args.generate, "scale": args.scale if args.generate else "as in the warehouse",
            "results": results, "worst_cold_p95_ms": all_cold, "worst_cached_p95_ms": all_cached,
            "targets": {"cold_p95_ms": 500, "cached_p95_ms": 20},
            "meets_targets": all_cold < 500 and all_cached < 20}
    table = [f"Data: schema `{schema}`, fct_pension_person_month {rows:,} rows, agg_pension_month "
             f"{'absent (every query reads the fact)' if agg_rows is None else f'{agg_rows:,} rows'}, {len(months)} month(s) "
             f"({'generated: scale ' + args.scale if args.generate else 'whatever the warehouse held'}). "
             f"{args.repeat} requests per query and mode over HTTP (in-process uvicorn, 1 worker). "
             "Cold = cube result cache cleared before each request. Path: where the summary / cells statements "
             "read (agg = agg_pension_month, fact = fct_pension_person_month)"
             + ("; fact-only cold p95 = the same request with aggregate awareness off." if args.compare_fact else "."),
             "",
             "| query | path (summary / cells) | cold p50 ms | cold p95 ms | cached p50 ms | cached p95 ms |"
             + (" fact-only cold p95 ms |" if args.compare_fact else ""),
             "|---|---|---:|---:|---:|---:|" + ("---:|" if args.compare_fact else "")]
    for r in results:
        table.append(f"| {r['query']} | {fmt_path(r['path'])} | {r['cold_p50_ms']} | {r['cold_p95_ms']} | "
                     f"{r['cached_p50_ms']} | {r['cached_p95_ms']} |"
                     + (f" {r['fact_cold_p95_ms']} |" if args.compare_fact else ""))
    table += ["", f"Worst p95: cold {all_cold} ms (target < 500), cached {all_cached} ms (target < 20): "
              f"{'targets met' if data['meets_targets'] else 'targets NOT met'}."]
    md = write_result("cube", command, data, "\n".join(table))
    print(f"written {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
