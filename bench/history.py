"""History database benchmark: a free combination of 50 indicators × 20 regions × 360 months with a calculation
(cold: the query cache cleared before each request; cached: repeated), and an import of 100 000 observations
(validation + preview + one-transaction commit).

    python -m bench.history [--repeat 10] [--keep] [--baseline GIT_REF]

--baseline REF also runs history/query.py as it was at REF on the same database, alternating old and new request
by request, and adds a before/after table (same data, same machine state: the machine is shared).

Cold runs: the query cache is cleared and the previous answer released before the clock starts (freeing a previous
answer's 360 000 cell dicts used to fall inside the next run's timing: up to half of its time, and most of its p95).

Runs in its own database `bench_history` on the warehouse's server (created, dropped at the end unless --keep),
with 50 synthetic monthly indicators added to the catalogue for the run (20 stocks, 20 flows, 10 ratios of a
flow over a stock, unit %), 20 regions, 1995-01 … 2024-12, 5 % of the values with a second vintage. The query
asks YoY growth for the stocks, period-on-period growth for the flows and YoY percentage-point differences for
the ratios. Targets (issue 16): p95 cold ≤ 200 ms, cached ≤ 20 ms; import of 100 000 observations ≤ 30 s.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg

from bench.common import write_result
from foundation import settings

N_IND, N_REG, N_MONTH = 50, 20, 360


def months(start_year: int, n: int) -> list[str]:
    return [f"{start_year + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def bench_catalogue(store):
    base = store.catalogue.__wrapped__()
    regions = [r["code"] for r in base.regions][:N_REG]
    inds = dict(base.indicators)
    for k in range(1, N_IND + 1):
        code = f"bench_{k:03d}"
        if k <= 20:
            d = {"kind": "stock", "unit": "人", "decimals": 0}
        elif k <= 40:
            d = {"kind": "flow", "unit": "万元", "decimals": 2}
        else:
            d = {"kind": "ratio", "unit": "%", "decimals": 2, "numerator": f"bench_{k - 20:03d}",
                 "denominator": f"bench_{k - 40:03d}", "ratio_scale": 100}
        inds[code] = {"code": code, "name_zh": f"基准指标{k}", "explanation": "benchmark", "frequency": "M",
                      "classification": "SI.GEN", "regions": regions, "origin": "bench", "source": "bench", **d}
    return replace(base, indicators=inds), regions


def fill(conn, store, regions, seed: int = 42) -> int:
    rnd = random.Random(seed)
    lid = store.start_load(conn, "bench")
    ms = months(1995, N_MONTH)
    buf = io.StringIO()
    n = 0
    for k in range(1, N_IND + 1):
        for r in regions:
            level = rnd.uniform(1000, 100000) if k <= 40 else rnd.uniform(1, 60)
            for p in ms:
                level *= 1 + rnd.gauss(0.003, 0.01)
                buf.write(f"bench_{k:03d}\t{r}\t{p}\tM\t{level:.4f}\t1996-01-01 00:00:00+00\tf\t{lid}\n")
                n += 1
                if rnd.random() < 0.05:
                    buf.write(f"bench_{k:03d}\t{r}\t{p}\tM\t{level * 1.01:.4f}\t2025-03-01 00:00:00+00\tt\t{lid}\n")
                    n += 1
    buf.seek(0)
    with conn.cursor() as cur:
        with cur.copy(f"copy {store.SCHEMA}.observation (indicator_code, region_code, period, freq, value, known_from, "
                      "revised, load_id) from stdin") as cp:
            while chunk := buf.read(1 << 20):
                cp.write(chunk)
    store.refresh_series(conn, None)
    conn.execute(f"analyze {store.SCHEMA}.observation")
    return n


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def _old_query(ref: str):
    """history/query.py as it was at `ref`, imported as a module of its own (it uses today's engine and store)."""
    root = Path(__file__).resolve().parent.parent
    src = subprocess.run(["git", "show", f"{ref}:history/query.py"], cwd=root, capture_output=True, text=True,
                         check=True).stdout
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"history_query_{ref.replace('/', '_')}.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("history_query_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def compare(conn, spec: dict, ref: str, repeat: int) -> dict:
    """Old (ref) and new query code request by request on the same data, alternating which goes first. Each
    request: cold run (cache cleared, the previous answer freed first and timed on its own), the cells, and the
    /api/query body as each version's route made it (before: FastAPI's jsonable_encoder then JSONResponse)."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    from history import query as new

    mods = {"before": _old_query(ref), "after": new}
    t = {k: {"cold": [], "free": [], "cells": [], "json": []} for k in mods}
    bodies = {}
    for m in mods.values():
        m.run(conn, spec)
    prev = {k: None for k in mods}
    for i in range(repeat):
        for name in (("before", "after") if i % 2 == 0 else ("after", "before")):
            q = mods[name]
            q._cache.clear()
            gc.collect()
            c0 = time.perf_counter()
            prev[name] = None
            t[name]["free"].append((time.perf_counter() - c0) * 1000)
            c0 = time.perf_counter()
            res = q.run(conn, spec)
            t[name]["cold"].append((time.perf_counter() - c0) * 1000)
            c0 = time.perf_counter()
            len(res["cells"])
            t[name]["cells"].append((time.perf_counter() - c0) * 1000)
            body = None
            if i < 3:           # the JSON body on the first 3 pairs only (before: ~10 s each on a quiet machine)
                c0 = time.perf_counter()
                body = (q.json_bytes(res) if hasattr(q, "json_bytes") else
                        JSONResponse(jsonable_encoder(res.to_json())).body)
                t[name]["json"].append((time.perf_counter() - c0) * 1000)
            bodies[name] = body
            prev[name] = res
            del res, body
            q._cache.clear()
        if i == 0:
            same = json.loads(bodies["before"]) == json.loads(bodies["after"])
        bodies.clear()
    out = {"ref": ref, "same_answer": same}
    for name, d in t.items():
        out[name] = {f"{k}_p50_ms": round(pct(v, 50), 1) for k, v in d.items()} | {
            "cold_p95_ms": round(pct(d["cold"], 95), 1), "cold_max_ms": round(max(d["cold"]), 1)}
    out["loadavg_1_5_15"] = [round(x, 1) for x in os.getloadavg()]
    return out


def baseline_md(b: dict, repeat: int) -> str:
    x, y = b["before"], b["after"]
    return (f"\nBefore / after, back to back on the same database and machine state ({repeat} requests each, "
            f"alternating; load average at the end {' / '.join(str(v) for v in b['loadavg_1_5_15'])}): "
            f"history/query.py at `{b['ref']}` against this tree. Same answer (the JSON of the first pair compared): "
            f"{'yes' if b['same_answer'] else 'NO'}.\n\n"
            f"| measure | before | after |\n|---|---:|---:|\n"
            f"| cold p50 | {x['cold_p50_ms']} ms | {y['cold_p50_ms']} ms |\n"
            f"| cold p95 | {x['cold_p95_ms']} ms | {y['cold_p95_ms']} ms |\n"
            f"| cold max | {x['cold_max_ms']} ms | {y['cold_max_ms']} ms |\n"
            f"| freeing the previous answer's cells (inside the cold timing before this change) p50 | "
            f"{x['free_p50_ms']} ms | {y['free_p50_ms']} ms |\n"
            f"| one dict per cell p50 | {x['cells_p50_ms']} ms | {y['cells_p50_ms']} ms |\n"
            f"| /api/query JSON body p50 of the first 3 (before: jsonable_encoder + JSONResponse; after: query.json_bytes) | "
            f"{x['json_p50_ms']} ms | {y['json_p50_ms']} ms |\n")


def time_report() -> dict:
    """The 监测月报 of the published warehouse's month, as an analyst asks for it: `python -m history report` in a fresh
    process (figures from the history store, HTML, XLSX, and the PDF printed by headless Chromium)."""
    try:
        with psycopg.connect(settings.warehouse_url()) as c:
            month = c.execute("select data_month from official.release_info").fetchone()[0]
    except psycopg.Error as e:
        return {"skipped": f"no published release on this warehouse ({str(e).splitlines()[0]})"}
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "history", "report", "--month", month], cwd=settings.ROOT,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if res.returncode != 0:
        return {"skipped": f"python -m history report failed: {(res.stderr or res.stdout)[-300:]}"}
    files = json.loads(res.stdout.strip().splitlines()[-1])
    return {"month": month, "seconds": round(seconds, 1), "files": sorted(files)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.history")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--baseline", metavar="GIT_REF", help="also time history/query.py as of this commit, back to back")
    a = ap.parse_args(argv)
    report = time_report()      # on the warehouse itself, before this process switches to bench_history
    print(f"[bench.history] 监测月报: {report}")
    base_url = settings.warehouse_url()
    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    url = base_url.rsplit("/", 1)[0] + "/bench_history"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("drop database if exists bench_history with (force)")
        c.execute("create database bench_history")
    os.environ["WAREHOUSE_URL"] = url
    from history import imports, query, store

    cat, regions = bench_catalogue(store)
    store.catalogue = lambda: cat           # the run's catalogue: the real one + 50 bench indicators
    out = {}
    try:
        t0 = time.perf_counter()
        with store.connect() as conn:
            store.sync_catalogue(conn)
            n_obs = fill(conn, store, regions)
        fill_s = time.perf_counter() - t0
        inds = [f"bench_{k:03d}" for k in range(1, N_IND + 1)]
        spec = {"indicators": inds, "regions": regions, "periods": {"from": "1995-01", "to": "2024-12"}, "freq": "M",
                "methods": {i: ("yoy" if k <= 20 else "pop" if k <= 40 else "yoy_pp") for k, i in enumerate(inds, 1)}}
        cold, cached, cells, enc = [], [], 0, []
        with store.connect(autocommit=True) as conn:
            query.run(conn, spec)                               # warm PostgreSQL's buffers and imports
            mat = []
            res = None
            for _ in range(a.repeat):
                query._cache.clear()
                res = None          # the previous answer goes before the clock: freeing it is not this request's
                t = time.perf_counter()
                res = query.run(conn, spec)
                cold.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                cells = len(res["cells"])           # one dict per cell: what the HTML table / exports iterate
                mat.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                body = query.json_bytes(res)        # the /api/query body
                enc.append((time.perf_counter() - t) * 1000)
                refused = sum(1 for c in res["cells"] if c["refused"])
            del body
            res = None
            for _ in range(a.repeat):
                t = time.perf_counter()
                query.run(conn, spec)
                cached.append((time.perf_counter() - t) * 1000)
            if a.baseline:
                out["baseline"] = compare(conn, spec, a.baseline, a.repeat)
        out["query"] = {"cells": cells, "refused": refused, "materialise_p50_ms": round(pct(mat, 50), 1),
                        "json_p50_ms": round(pct(enc, 50), 1), "cold_p50_ms": round(pct(cold, 50), 1),
                        "cold_p95_ms": round(pct(cold, 95), 1), "cached_p50_ms": round(pct(cached, 50), 2),
                        "cached_p95_ms": round(pct(cached, 95), 2)}
        print(f"[bench.history] query {cells} cells: cold p50 {pct(cold, 50):.0f} ms p95 {pct(cold, 95):.0f} ms; "
              f"cached p95 {pct(cached, 95):.2f} ms")
        # import: 100 000 rows (50 indicators × 20 regions × 100 months), about a third of them changed
        rnd = random.Random(7)
        lines = [",".join(imports.COLUMNS)]
        ms = months(2015, 100)
        with store.connect() as conn:
            cur = {(o["indicator"], o["region"], o["period"]): float(o["value"])
                   for o in store.read(conn, inds, regions, ms[0], ms[-1])}
        for i in inds:
            unit = cat.indicators[i]["unit"]
            for r in regions:
                for p in ms:
                    v = cur[(i, r, p)] * (1.02 if rnd.random() < 0.33 else 1)
                    lines.append(f"{i},{r},{p},{v:.4f},{unit},,,bench")
        data = ("\n".join(lines) + "\n").encode()
        t = time.perf_counter()
        with store.connect() as conn:
            prev = imports.validate(conn, "bench.csv", data)
            assert not prev["errors"], prev["errors"][:3]
            t_val = time.perf_counter() - t
            res = imports.commit_rows(conn, prev["rows"], "bench.csv", "bench")
        imp_s = time.perf_counter() - t
        out["import"] = {"rows": len(lines) - 1, "validate_preview_s": round(t_val, 2), "total_s": round(imp_s, 2),
                         "new": res["new"], "revised": res["revised"]}
        print(f"[bench.history] import {len(lines) - 1} rows: {imp_s:.1f} s (validation + preview {t_val:.1f} s)")
        out["data"] = {"observations": n_obs, "fill_s": round(fill_s, 1)}
    finally:
        if not a.keep:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute("drop database if exists bench_history with (force)")
    q, im = out["query"], out["import"]
    ok = lambda v, lim: "✓" if v <= lim else "✗"
    load = os.getloadavg()
    out["loadavg_1_5_15"] = [round(x, 1) for x in load]
    out["report"] = report
    md = (f"Machine load during the run (1/5/15-min load average on {os.cpu_count()} cores, shared with other "
          f"developers' builds): {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.\n\n"
          f"Data: database `bench_history`, {out['data']['observations']:,} observations (50 monthly indicators × 20 "
          f"regions × 360 months 1995-01…2024-12, 5 % with a second vintage), loaded by COPY in {out['data']['fill_s']} s.\n\n"
          f"| measure | value | target |\n|---|---:|---|\n"
          f"| free combination 50 × 20 × 360 with YoY / MoM / YoY-pp, cold p50 | {q['cold_p50_ms']} ms | |\n"
          f"| … cold p95 ({a.repeat} runs, query cache cleared, previous answer released before the clock) | {q['cold_p95_ms']} ms | ≤ 200 ms {ok(q['cold_p95_ms'], 200)} |\n"
          f"| … then one dict per cell, as /api/query, the HTML table and the exports return it (not timed in the target) p50 | {q['materialise_p50_ms']} ms | |\n"
          f"| … then the /api/query JSON body of those cells (query.json_bytes) p50 | {q['json_p50_ms']} ms | |\n"
          f"| … cached p50 | {q['cached_p50_ms']} ms | |\n"
          f"| … cached p95 | {q['cached_p95_ms']} ms | ≤ 20 ms {ok(q['cached_p95_ms'], 20)} |\n"
          f"| cells in the answer (of which refused: first year without a comparison) | {q['cells']:,} ({q['refused']:,}) | |\n"
          f"| import of {im['rows']:,} observations (CSV): validation + preview | {im['validate_preview_s']} s | |\n"
          f"| … total incl. one-transaction commit ({im['new']} new, {im['revised']:,} revised vintages) | {im['total_s']} s | ≤ 30 s {ok(im['total_s'], 30)} |\n"
          + (f"| 监测月报 {report['month']} of the published warehouse (`python -m history report`, a fresh process: "
             f"{', '.join(report['files']).upper()}; the PDF printed by headless Chromium) | {report['seconds']} s | "
             f"≤ 60 s {ok(report['seconds'], 60)} |\n" if "seconds" in report else
             f"| 监测月报: not measured — {report['skipped']} | | ≤ 60 s |\n"))
    if "baseline" in out:
        md += baseline_md(out["baseline"], a.repeat)
    write_result("history", "python -m bench.history --repeat %d" % a.repeat
                 + (f" --baseline {a.baseline}" if a.baseline else ""), out, md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
