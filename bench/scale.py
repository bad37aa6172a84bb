"""Scale measurements (issue 20) at the scales this machine can afford, with the machine's load recorded.

    python -m bench.scale publish [--scale 0.01] [--start 202411]
    python -m bench.scale generator --scale 0.01 [--scale 0.03 ...] [--start 202411] [--label x]
                                    [--vmem-gib 16] [--delete-output]
    python -m bench.scale month --scale 0.1 [--start 202411] [--reuse-drop] [--keep] [--label x]
    python -m bench.scale load --scale 1.0 [--start 202411] [--reuse-drop] [--delete-drop]
    python -m bench.scale footprint --month 202411 [--month 202412 ...] [--nodes] [--label x]

`publish` (own database bench_scale, own drop zone var/bench/scale): generate two months, build the first and
publish it, build the second, then publish it twice — once with the publish of the commit this branch started
from (whole-schema copy, taken from git: `--before`, default the merge base with main) and once with the current
one (month chunks) — and roll back once; then the database footprint per layer against the delivered bytes.
Every step runs in its own process under /usr/bin/time -v (wall seconds, peak RSS) with the 1-minute load
average before it. `month` (own database bench_month, drop zone var/bench/month-<scale>): the issue's build
target end to end — the first month from an empty database, then one incremental month, each as load, dbt build
with its tests, 审核确认 and publish, every step timed with its peak RSS; the slowest dbt nodes of each build (from
run_results.json) and the footprint per layer after each month. `load` (own database bench_load, drop zone
var/bench/load-<scale>): the issue's load target — one month generated, then every file loaded twice in turn, by
plain COPY and by the validated load (`loaders.load.load_file`), each in its own process with its peak RSS, the
partition emptied after each (the disk holds one copy of raw); then the whole month as a data engineer runs it
(`python -m loaders load`: checksums, completeness, every file, ANALYZE, reports). `generator`: one generator run per scale (one month, every source) under /usr/bin/time -v.
`footprint`: no run of its own — the footprint per layer of the warehouse as it is (WAREHOUSE_URL or the embedded
one, the drop zone of WAREHOUSE_VAR) against the bytes delivered for the months given, and with --nodes the slowest
nodes of the last dbt invocation (DBT_TARGET_PATH): the figures after a step run by hand (`make build`, `make publish`).
Figures go to bench/results/scale_publish.{json,md} and scale_generator.{json,md}; bench/results/scale.md is the
written summary (what is measured, what is extrapolated).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.common import write_result
from foundation import settings
from foundation.months import month_range

DB = "bench_scale"
OLD_PUBLISH = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('release_before', {path!r}); "
               "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
               "sys.exit(m.main(['publish', '--month', {month!r}]))")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(args: list[str], env: dict, log: Path, vmem_gib: float | None = None) -> dict:
    """Run `python <args>` under /usr/bin/time -v: wall seconds, peak RSS (MiB), load average before. `vmem_gib`:
    the run's address space is capped (ulimit -v), so a run that outgrows it fails instead of taking the machine."""
    load = load_average()
    t = time.perf_counter()
    limit = None
    if vmem_gib:
        cap = int(vmem_gib * 2**30)
        limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap))  # noqa: E731
    res = subprocess.run(["/usr/bin/time", "-v", sys.executable, *args], cwd=settings.ROOT, env=env,
                         capture_output=True, text=True, preexec_fn=limit)
    secs = time.perf_counter() - t
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(res.stdout + res.stderr)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({res.returncode}), see {log}:\n{res.stdout[-2000:]}\n"
                         f"{res.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr)
    return {"seconds": round(secs, 1), "peak_rss_mib": round(int(rss.group(1)) / 1024) if rss else None,
            "load_before": load}


def footprint(url: str, delivered: int) -> list[dict]:
    """Bytes per layer (schema; heap with TOAST, and indexes) and per delivered byte."""
    with psycopg.connect(url) as c:
        rows = c.execute(
            "select n.nspname, sum(pg_table_size(c.oid))::bigint, sum(pg_indexes_size(c.oid))::bigint "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') "
            "group by 1 order by 2 desc").fetchall()
        total = c.execute("select pg_database_size(current_database())").fetchone()[0]
    out = [{"layer": s, "table_bytes": t, "index_bytes": i, "per_delivered_byte": round((t + i) / delivered, 3)}
           for s, t, i in rows]
    out.append({"layer": "(whole database)", "table_bytes": total, "index_bytes": 0,
                "per_delivered_byte": round(total / delivered, 3)})
    return out


def bench_database(db: str, var: Path) -> tuple[str, str, dict]:
    """Start the embedded server and empty the benchmark's own database: (admin URL, database URL, the environment
    every step runs in — its own database, drop zone, dbt target and logs)."""
    from runtime import pg

    pg.start()
    server = settings.warehouse_url()
    admin = server.rsplit("/", 1)[0] + "/postgres"
    url = server.rsplit("/", 1)[0] + f"/{db}"
    env = {**os.environ, "WAREHOUSE_URL": url, "WAREHOUSE_VAR": str(var), "DBT_TARGET_PATH": str(var / "target"),
           "DBT_LOG_PATH": str(var / "logs"), "WAREHOUSE_OPERATOR": "bench"}
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'drop database if exists "{db}" with (force)')
        c.execute(f'create database "{db}"')
    return admin, url, env


def sign_off(env: dict) -> None:
    """审核确认 of every module (the publish gate; demo sign-off, as tests/integration/test_release.py does)."""
    subprocess.run([sys.executable, "-m", "cli", "signoff", "--all-demo"], cwd=settings.ROOT, env=env,
                   capture_output=True, text=True, check=True)


def last_publish(url: str) -> dict:
    with psycopg.connect(url) as c:
        return c.execute("select detail from audit.run_log where action = 'publish' "
                         "order by run_id desc limit 1").fetchone()[0]


def slowest_nodes(target: Path, n: int = 12) -> list[dict]:
    """The dbt nodes of the last invocation that took longest (run_results.json), with their kind."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    nodes = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:n]
    return [{"node": r["unique_id"].split(".")[2][:70], "kind": r["unique_id"].split(".")[0],
             "seconds": round(r.get("execution_time") or 0, 1)} for r in nodes]


def delivered_bytes(exchange: Path, months: list[str]) -> int:
    return sum(p.stat().st_size for m in months for p in (exchange / m).iterdir() if p.is_file())


def footprint_table(feet: list[dict]) -> str:
    return ("| layer | table bytes | index bytes | per delivered byte |\n|---|---:|---:|---:|\n" + "\n".join(
        f"| {f['layer']} | {f['table_bytes']:,} | {f['index_bytes']:,} | {f['per_delivered_byte']} |" for f in feet))


def month_bench(a) -> int:
    var = settings.VAR / "bench" / f"month-{a.scale}"
    exchange = var / "exchange"
    admin, url, env = bench_database("bench_month", var)
    m1, m2 = month_range(a.start, 2)
    steps: dict[str, dict] = {}
    after: dict[str, dict] = {}

    def step(name: str, args: list[str]) -> dict:
        print(f"[bench] {name} …", flush=True)
        steps[name] = timed(args, env, var / "logs" / f"{name.split(' (')[0].replace(' ', '_')}.log")
        print(f"[bench] {name}: {steps[name]}", flush=True)
        return steps[name]

    def build(m: str, kind: str) -> None:
        name = f"build {m} ({kind})"
        step(name, ["-m", "pipeline.build", "--skip-load", "--month", m])
        steps[name]["slowest"] = slowest_nodes(var / "target")
        steps[name]["node_seconds"] = node_seconds(var / "target")
        steps[name]["model_seconds"] = model_seconds(var / "target")

    if not (a.reuse_drop and all((exchange / m).is_dir() for m in (m1, m2))):
        step("generate 2 months", ["-m", "synth", "--start", a.start, "--months", "2", "--scale", str(a.scale),
                                   "--out", str(exchange), "--force"])
    for m, kind in ((m1, "first month, empty database"), (m2, "incremental month")):
        step(f"load {m}", ["-m", "loaders", "load", "--month", m])
        build(m, kind)
        month_report(a, url, steps, after, final=False)
        sign_off(env)
        step(f"publish {m}", ["-m", "pipeline.release", "publish", "--month", m])
        steps[f"publish {m}"]["detail"] = last_publish(url)
        delivered = delivered_bytes(exchange, month_range(a.start, 1 + (m == m2)))
        after[m] = {"delivered": delivered, "footprint": footprint(url, delivered)}
        month_report(a, url, steps, after, final=False)
    step("rollback", ["-m", "pipeline.release", "rollback"])
    month_report(a, url, steps, after, final=True)
    if not a.keep:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute('drop database if exists "bench_month" with (force)')
    return 0


def node_seconds(target: Path) -> dict:
    """Execution time of the last dbt invocation's nodes summed by kind (model, test, snapshot, seed), and their
    count: what the build's wall time holds besides dbt's own start-up and the quality reports."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return {}
    out: dict[str, dict] = {}
    for r in results:
        kind = out.setdefault(r["unique_id"].split(".")[0], {"nodes": 0, "seconds": 0.0})
        kind["nodes"] += 1
        kind["seconds"] = round(kind["seconds"] + (r.get("execution_time") or 0), 1)
    return out


def model_seconds(target: Path) -> dict:
    """Every model's execution time in the last dbt invocation (run_results.json): the per-model before/after of a
    change is read from two runs' JSON."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return {}
    return {r["unique_id"].split(".")[2]: round(r.get("execution_time") or 0, 1)
            for r in results if r["unique_id"].startswith("model.")}


def month_report(a, url: str, steps: dict, after: dict, final: bool) -> None:
    """Write what has been measured so far (a long run that is stopped still leaves its figures)."""
    m1, m2 = month_range(a.start, 2)
    with psycopg.connect(url) as c:
        raw_rows = int(c.execute("select coalesce(sum(rows_loaded), 0) from audit.load_batch "
                                 "where status = 'loaded'").fetchone()[0])
    per_month = {m: sum(s["seconds"] for k, s in steps.items() if k.split(" ")[1:2] == [m]) for m in (m1, m2)}
    table = ("| step | wall s | peak RSS MiB | load avg before |\n|---|---:|---:|---:|\n" + "\n".join(
        f"| {k} | {s['seconds']} | {s['peak_rss_mib']} | {s['load_before']} |" for k, s in steps.items()))
    table += "\n\n" + "\n".join(
        f"- **{m}** end to end (load + build with its tests + publish): **{secs:.0f} s = {secs / 60:.1f} min** "
        f"(target ≤ 30 min at scale 1.0)" for m, secs in per_month.items() if f"publish {m}" in steps)
    table += f"\n\nRows loaded into raw: {raw_rows:,}.\n"
    if not final:
        table += "\n**Incomplete run**: the steps not listed were not reached (yet).\n"
    for k, s in steps.items():
        if s.get("slowest"):
            kinds = ", ".join(f"{kind} {v['nodes']} nodes {v['seconds']} s" for kind, v in s["node_seconds"].items())
            table += (f"\n### Slowest dbt nodes of `{k}` (run_results.json, s)\n\nNode time by kind: {kinds}.\n\n"
                      + ", ".join(f"{n['node']} {n['seconds']}" for n in s["slowest"]) + "\n")
        if s.get("detail"):
            d = s["detail"]
            ch = d.get("chunks") or {}
            table += (f"\n`{k}`: copy {d.get('copy_seconds')} s, swap {d.get('swap_seconds')} s, chunks copied "
                      f"{ch.get('copied')}, reused {ch.get('reused')}, rows copied {ch.get('rows_copied')}\n")
    for m, f in after.items():
        table += (f"\n### Footprint after {m} ({f['delivered']:,} bytes delivered so far)\n\n"
                  f"{footprint_table(f['footprint'])}\n")
    write_result(f"scale_month_{a.scale}" + (f"_{a.label}" if a.label else ""),
                 f"python -m bench.scale month --scale {a.scale} --start {a.start}"
                 + (" --reuse-drop" if a.reuse_drop else "") + (f" --label {a.label}" if a.label else ""),
                 {"scale": a.scale, "months": [m1, m2], "steps": steps, "per_month_seconds": per_month,
                  "raw_rows": raw_rows, "after": after, "complete": final}, table)
    if final:
        print(table)


def publish_bench(a) -> int:
    var = settings.VAR / "bench" / "scale"
    logs = var / "logs"
    admin, url, env = bench_database(DB, var)
    before = a.before or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=settings.ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip()
    old = var / "release_before.py"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text(subprocess.run(["git", "show", f"{before}:pipeline/release.py"], cwd=settings.ROOT,
                                  capture_output=True, text=True, check=True).stdout)
    m1, m2 = month_range(a.start, 2)
    steps: dict[str, dict] = {}

    def step(name: str, args: list[str]) -> dict:
        print(f"[bench] {name} …", flush=True)
        steps[name] = timed(args, env, logs / f"{name.replace(' ', '_')}.log")
        print(f"[bench] {name}: {steps[name]}", flush=True)
        return steps[name]

    step("generate 2 months", ["-m", "synth", "--start", a.start, "--months", "2", "--scale", str(a.scale),
                               "--out", str(var / "exchange"), "--force"])
    step(f"build {m1} (load + dbt)", ["-m", "pipeline.build", "--month", m1])
    sign_off(env)
    step(f"publish {m1} (month chunks, first release)", ["-m", "pipeline.release", "publish", "--month", m1])
    steps[f"publish {m1} (month chunks, first release)"]["detail"] = last_publish(url)
    step(f"build {m2} (load + incremental dbt)", ["-m", "pipeline.build", "--month", m2])
    sign_off(env)
    step(f"publish {m2} BEFORE (whole-schema copy, {before[:8]})",
         ["-c", OLD_PUBLISH.format(path=str(old), month=m2)])
    steps[f"publish {m2} BEFORE (whole-schema copy, {before[:8]})"]["detail"] = last_publish(url)
    sign_off(env)
    step(f"publish {m2} AFTER (month chunks)", ["-m", "pipeline.release", "publish", "--month", m2])
    steps[f"publish {m2} AFTER (month chunks)"]["detail"] = last_publish(url)
    step("rollback AFTER", ["-m", "pipeline.release", "rollback"])
    delivered = delivered_bytes(var / "exchange", [m1, m2])
    feet = footprint(url, delivered)
    rows = []
    for name, s in steps.items():
        d = s.get("detail") or {}
        ch = d.get("chunks") or {}
        rows.append(f"| {name} | {s['seconds']} | {d.get('copy_seconds', '')} | {d.get('swap_seconds', '')} | "
                    f"{ch.get('copied', '')} | {ch.get('reused', '')} | {ch.get('rows_copied', '')} | "
                    f"{s['peak_rss_mib']} | {s['load_before']} |")
    table = ("| step | wall s | copy s | swap s | chunks copied | chunks reused | rows copied | peak RSS MiB | "
             "load avg before |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows))
    table += f"\n\nDelivered bytes (2 months): {delivered:,}\n\n" + footprint_table(feet)
    write_result("scale_publish", f"python -m bench.scale publish --scale {a.scale} --start {a.start}",
                 {"scale": a.scale, "months": [m1, m2], "before_commit": before, "steps": steps,
                  "delivered_bytes": delivered, "footprint": feet}, table)
    print(table)
    return 0


def generator_bench(a) -> int:
    var = settings.VAR / "bench" / "scale-generator"
    runs = []
    for scale in a.scale:
        out = var / f"s{scale}"
        log = var / f"s{scale}.log"
        r = timed(["-m", "synth", "--start", a.start, "--months", "1", "--scale", str(scale), "--out", str(out),
                   "--force"], dict(os.environ), log, a.vmem_gib)
        files = [p for p in out.rglob("*") if p.is_file()]
        rows = re.search(r"\[synth\] \d{6}: ([\d,]+) rows", log.read_text())
        r.update({"scale": scale, "bytes": sum(p.stat().st_size for p in files), "files": len(files),
                  "rows": int(rows.group(1).replace(",", "")) if rows else None, "vmem_limit_gib": a.vmem_gib})
        if a.delete_output:  # record first, then free the disk (scale 1.0 writes ≈ 12 GB)
            shutil.rmtree(out)
        runs.append(r)
        print(f"[bench] generator {scale}: {r}", flush=True)
    table = ("| scale | seconds | peak RSS MiB | rows | MiB written | files | load avg before |\n"
             "|---:|---:|---:|---:|---:|---:|---:|\n")
    table += "\n".join(f"| {r['scale']} | {r['seconds']} | {r['peak_rss_mib']} | {r['rows'] or 0:,} | "
                       f"{r['bytes'] / 2**20:.0f} | {r['files']} | {r['load_before']} |" for r in runs)
    name = "scale_generator" + (f"_{a.label}" if a.label else "")
    write_result(name, "python -m bench.scale generator " + " ".join(f"--scale {s}" for s in a.scale)
                 + (f" --label {a.label}" if a.label else "") + (f" --vmem-gib {a.vmem_gib}" if a.vmem_gib else "")
                 + (" --delete-output" if a.delete_output else ""),
                 {"runs": runs}, table)
    print(table)
    return 0


def load_bench(a) -> int:
    """Validated load vs plain COPY of every file of one month, interleaved file by file, then the whole month."""
    from bench.common import run_child
    from bench.loader import child_code
    from foundation.spec import load_specs
    from loaders import db

    var = settings.VAR / "bench" / f"load-{a.scale}"
    exchange = var / "exchange"
    admin, url, env = bench_database("bench_load", var)
    month = a.start
    steps: dict[str, dict] = {}
    if not (a.reuse_drop and (exchange / month).is_dir()):
        print(f"[bench] generating {month} at scale {a.scale} …", flush=True)
        steps["generate"] = timed(["-m", "synth", "--start", month, "--months", "1", "--scale", str(a.scale),
                                   "--out", str(exchange), "--force"], env, var / "logs" / "generate.log", a.vmem_gib)
    specs = load_specs()
    files = sorted(((spec, exchange / month / spec.file_name(month)) for spec in specs.values()
                    if (exchange / month / spec.file_name(month)).is_file()
                    and (not a.interface or spec.interface in a.interface)), key=lambda sp: -sp[1].stat().st_size)
    per_file: list[dict] = []
    for spec, path in files:
        row = {"file": path.name, "interface": spec.interface, "mib": round(path.stat().st_size / 2**20, 1),
               "load_before": load_average()}
        for method in ("plain_copy", "validated"):
            r = run_child(child_code(method, url, spec.interface, month, str(path)), env)
            row[method] = {"seconds": round(r["seconds"], 2), "peak_rss_mib": round(r["peak_rss_mib"]),
                           "rows": r["rows"], "loaded": r["loaded"]}
            with psycopg.connect(url, autocommit=True) as c:  # one copy of raw on disk at a time
                c.execute(f"truncate {db.raw_table(spec)}")
        row["ratio"] = round(row["plain_copy"]["seconds"] / max(row["validated"]["seconds"], 1e-9), 3)
        per_file.append(row)
        print(f"[bench] {path.name} {row['mib']} MiB: plain {row['plain_copy']['seconds']} s, validated "
              f"{row['validated']['seconds']} s ({row['ratio']})", flush=True)
        load_report(a, per_file, steps, final=False)
    if a.interface:  # a subset of the files: no whole-month step
        load_report(a, per_file, steps, final=True)
        return 0
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute('drop database if exists "bench_load" with (force)')
        c.execute('create database "bench_load"')
    # the whole month keeps its raw (≈ 1.5 × the delivered bytes): not started where the disk cannot hold it
    need, free = 1.6 * sum(path.stat().st_size for _, path in files), shutil.disk_usage(settings.VAR).free
    if free < need + 5 * 2**30:
        steps["whole month (python -m loaders load)"] = {"skipped": f"disk: {free / 2**30:.0f} GiB free, "
                                                                    f"{need / 2**30:.0f} GiB needed + 5 GiB spare"}
        load_report(a, per_file, steps, final=True)
        return 0
    steps["whole month (python -m loaders load)"] = timed(["-m", "loaders", "load", "--month", month], env,
                                                          var / "logs" / "load.log")
    with psycopg.connect(url) as c:
        steps["whole month (python -m loaders load)"]["rows_loaded"] = int(c.execute(
            "select coalesce(sum(rows_loaded), 0) from audit.load_batch where status = 'loaded'").fetchone()[0])
    load_report(a, per_file, steps, final=True)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute('drop database if exists "bench_load" with (force)')
    if a.delete_drop:
        shutil.rmtree(exchange)
    return 0


def load_report(a, per_file: list[dict], steps: dict, final: bool) -> None:
    plain = sum(r["plain_copy"]["seconds"] for r in per_file)
    valid = sum(r["validated"]["seconds"] for r in per_file)
    rows = sum(r["validated"]["rows"] for r in per_file)
    mib = sum(r["mib"] for r in per_file)
    table = ("| file | MiB | rows | plain COPY s | validated s | validated / plain COPY (speed) | peak RSS MiB "
             "(validated) | load avg before |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
    table += "\n".join(f"| {r['file']} | {r['mib']} | {r['validated']['rows']:,} | {r['plain_copy']['seconds']} | "
                       f"{r['validated']['seconds']} | {r['ratio']} | {r['validated']['peak_rss_mib']} | "
                       f"{r['load_before']} |" for r in per_file[:25])
    if len(per_file) > 25:
        table += f"\n| … {len(per_file) - 25} smaller files | | | | | | | |"
    table += (f"\n\n**{len(per_file)} files, {mib:,.0f} MiB, {rows:,} rows: plain COPY {plain:,.0f} s, validated "
              f"{valid:,.0f} s — validated load at {plain / max(valid, 1e-9):.2f} × the speed of plain COPY** "
              "(target ≥ 0.8 at scale 1.0). Each file: plain COPY then the validated load, each in its own process "
              "into the month's raw partition (emptied after each).\n")
    for k, s in steps.items():
        if "skipped" in s:
            table += f"\n- {k}: not run ({s['skipped']})"
            continue
        table += f"\n- {k}: {s['seconds']} s, peak RSS {s['peak_rss_mib']} MiB, load average before {s['load_before']}"
        if "rows_loaded" in s:
            table += f", {s['rows_loaded']:,} rows loaded"
    if not final:
        table += "\n\n**Incomplete run**: the files not listed were not reached (yet).\n"
    write_result(f"scale_load_{a.scale}" + (f"_{a.label}" if a.label else ""),
                 f"python -m bench.scale load --scale {a.scale} --start {a.start}"
                 + (" --reuse-drop" if a.reuse_drop else "") + "".join(f" --interface {i}" for i in a.interface or [])
                 + (f" --label {a.label}" if a.label else ""),
                 {"scale": a.scale, "month": a.start, "files": per_file, "steps": steps, "plain_copy_seconds": plain,
                  "validated_seconds": valid, "complete": final}, table)
    if final:
        print(table)


def footprint_now(a) -> int:
    """The footprint of the warehouse as the make targets left it (and the last dbt invocation's slowest nodes)."""
    from runtime import pg

    pg.start()
    s = settings.get()
    delivered = delivered_bytes(s.var / "exchange", a.month)
    data = {"months": a.month, "delivered": delivered, "footprint": footprint(settings.warehouse_url(), delivered)}
    table = f"Delivered bytes ({', '.join(a.month)}): {delivered:,}\n\n{footprint_table(data['footprint'])}\n"
    if a.nodes:
        data["slowest"] = slowest_nodes(s.dbt_target_path, 15)
        data["node_seconds"] = node_seconds(s.dbt_target_path)
        data["model_seconds"] = model_seconds(s.dbt_target_path)
        kinds = ", ".join(f"{k} {v['nodes']} nodes {v['seconds']} s" for k, v in data["node_seconds"].items())
        table += (f"\nLast dbt invocation: {kinds}. Slowest: "
                  + ", ".join(f"{n['node']} ({n['kind']}) {n['seconds']}" for n in data["slowest"]) + "\n")
    if a.label:
        write_result(f"scale_footprint_{a.label}", "python -m bench.scale footprint "
                     + " ".join(f"--month {m}" for m in a.month) + (" --nodes" if a.nodes else "")
                     + f" --label {a.label}", data, table)
    print(table)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scale")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("publish")
    p.add_argument("--scale", type=float, default=0.01)
    p.add_argument("--start", default="202411")
    p.add_argument("--before", help="commit whose pipeline/release.py is the 'before' publish (default: merge base "
                                    "with main)")
    g = sub.add_parser("generator")
    g.add_argument("--scale", type=float, action="append", required=True)
    g.add_argument("--start", default="202411")
    g.add_argument("--label", help="results in bench/results/scale_generator_<label>.{json,md}")
    g.add_argument("--vmem-gib", type=float, help="cap each run's address space (ulimit -v), e.g. 16 at scale 1.0")
    g.add_argument("--delete-output", action="store_true", help="delete each run's files once measured")
    m = sub.add_parser("month", help="first month from empty, then an incremental month, each end to end")
    m.add_argument("--scale", type=float, required=True)
    m.add_argument("--start", default="202411")
    m.add_argument("--reuse-drop", action="store_true", help="keep the two months generated by an earlier run")
    m.add_argument("--keep", action="store_true", help="keep the database bench_month afterwards")
    m.add_argument("--label", help="results in bench/results/scale_month_<scale>_<label>.{json,md}")
    ld = sub.add_parser("load", help="validated load vs plain COPY of every file of one month, then the whole month")
    ld.add_argument("--scale", type=float, required=True)
    ld.add_argument("--start", default="202411")
    ld.add_argument("--reuse-drop", action="store_true", help="keep the month generated by an earlier run")
    ld.add_argument("--delete-drop", action="store_true", help="delete the generated month afterwards")
    ld.add_argument("--interface", action="append", help="only these interfaces' files (no whole-month step)")
    ld.add_argument("--label", help="results in bench/results/scale_load_<scale>_<label>.{json,md}")
    ld.add_argument("--vmem-gib", type=float, help="cap the generator's address space (ulimit -v), e.g. 16 at 1.0")
    f = sub.add_parser("footprint", help="footprint per layer of the warehouse as it is, against the months delivered")
    f.add_argument("--month", action="append", required=True, help="a delivered month counted (repeat)")
    f.add_argument("--nodes", action="store_true", help="also the slowest nodes of the last dbt invocation")
    f.add_argument("--label", help="also write bench/results/scale_footprint_<label>.{json,md}")
    a = ap.parse_args(argv)
    return {"publish": publish_bench, "generator": generator_bench, "month": month_bench, "load": load_bench,
            "footprint": footprint_now}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
