"""Validated load vs plain COPY vs pandas.DataFrame.to_sql on the same interface file, in one run.

    python -m bench.loader [--scale 0.1] [--interface ent_pension_person] [--methods plain_copy,validated]
                           [--repeat 3]

`--baseline REV` also runs the validated load of git revision REV (from a worktree under var/bench/), in the
same interleaved rounds: before/after on the same machine at the same time, whatever else it is running.
`--repeat N` runs the methods N times, interleaved, and keeps each method's fastest run (on a shared
machine the other processes only ever slow a run down, so the minimum is the figure closest to the
method's own cost). `--methods` runs a subset (to_sql takes minutes; the ratio that matters is validated
vs plain COPY).

Each method runs in its own process against its own empty table on the same PostgreSQL; the peak RSS
of each process is recorded (the validated load streams the file in chunks, so its memory does not grow
with the file, apart from the primary-key index needed to find duplicates).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from bench.common import run_child, write_result
from foundation import settings


def child_code(method: str, url: str, iface: str, month: str, path: str) -> str:
    head = f"""
import json, os, time
from pathlib import Path
import psycopg
def _server_cpu(conn):  # the backend's user + sys CPU seconds (same machine, same user)
    f = open(f"/proc/{{conn.info.backend_pid}}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
def _cpu():
    t = os.times()
    return t.user + t.system
from foundation.spec import load_specs
spec = load_specs()[{iface!r}]
url, month, path = {url!r}, {month!r}, Path({path!r})
"""
    if method == "validated":
        body = """
from loaders import db
from loaders.dropzone import sha256_of
from loaders.load import load_file
sha, _, rows = sha256_of(path)
with psycopg.connect(url, autocommit=True) as conn:
    db.ensure_audit(conn)
    run_id = conn.execute("insert into audit.load_run (data_month, run_by) values ('2024-07-01','bench') returning run_id").fetchone()[0]
    s0, c0, t = _server_cpu(conn), _cpu(), time.perf_counter()
    res = load_file(conn, spec, month, path.parent, sha, run_id, log=lambda *_: None)
    secs, cpu, server_cpu = time.perf_counter() - t, _cpu() - c0, _server_cpu(conn) - s0
loaded = res["rows_loaded"]
"""
    elif method == "plain_copy":
        body = """
from loaders import db
from loaders.dropzone import sha256_of
_, _, rows = sha256_of(path)
with psycopg.connect(url, autocommit=True) as conn:
    db.ensure_audit(conn)
    db.ensure_raw_table(conn, spec)
    # into the month's partition, as the validated load copies (no routing through the parent)
    target = db.month_partition(conn, spec, month)
    conn.execute(f"truncate {target}")
    # the file has no line numbers or batch ids: the plain COPY loads just the delivered columns
    conn.execute(f"alter table {db.raw_table(spec)} alter _line_no drop not null, alter _batch_id drop not null")
    cols = ", ".join(spec.column_names)
    s0, c0, t = _server_cpu(conn), _cpu(), time.perf_counter()
    with conn.cursor() as cur, path.open("rb") as f:
        with cur.copy(f"copy {target} ({cols}) from stdin with (format text, delimiter '|', null '', encoding '{spec.encoding}')") as cp:
            while chunk := f.read(1 << 20):
                cp.write(chunk)
    secs, cpu, server_cpu = time.perf_counter() - t, _cpu() - c0, _server_cpu(conn) - s0
    loaded = conn.execute(f"select count(*) from {target}").fetchone()[0]
"""
    else:  # pandas.DataFrame.to_sql
        body = """
import pandas as pd
import sqlalchemy as sa
from loaders.dropzone import sha256_of
_, _, rows = sha256_of(path)
engine = sa.create_engine(url)  # SQLAlchemy's default PostgreSQL driver (psycopg2), default to_sql settings
t = time.perf_counter()
df = pd.read_csv(path, sep="|", header=None, names=spec.column_names, dtype=str, encoding=spec.encoding,
                 keep_default_na=False)
df.to_sql("to_sql_" + spec.interface, engine, schema="public", if_exists="replace", index=False, chunksize=10000)
secs = time.perf_counter() - t
loaded = len(df)
"""
    tail = """
# VmHWM is this process's own peak (ru_maxrss would include the parent's, kept across exec)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"rows": rows, "loaded": loaded, "seconds": secs, "peak_rss_mib": hwm / 1024,
                  "cpu_seconds": globals().get("cpu"), "server_cpu_seconds": globals().get("server_cpu")}))
"""
    return head + body + tail


def _baseline_tree(rev: str) -> Path:
    """A detached git worktree of `rev` under var/bench/ (made once), sharing this checkout's .venv."""
    root = Path(__file__).resolve().parent.parent
    tree = settings.VAR / "bench" / f"baseline-{rev}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=root, check=True,
                       capture_output=True)
    return tree


def _run_in(tree: Path, code: str) -> dict:
    """run_child, but with `tree` as the working directory (its packages are the ones imported)."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree,
                         env={**os.environ, "WAREHOUSE_VAR": str(settings.VAR)})
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.loader")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--interface", default="ent_pension_person")
    ap.add_argument("--month", default="202407")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--methods", default="plain_copy,validated,to_sql")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--baseline", help="git revision whose validated load runs alongside (before/after)")
    a = ap.parse_args(argv)
    methods = [m for m in ("plain_copy", "validated", "to_sql") if m in a.methods.split(",")]
    trees = {m: None for m in methods}
    if a.baseline:
        trees[f"validated@{a.baseline}"] = _baseline_tree(a.baseline)
    from runtime import pg
    from synth.__main__ import generate

    pg.start()
    out = settings.VAR / "bench" / f"scale{a.scale}"
    print(f"[bench] generating {a.month} at scale {a.scale} into {out}", flush=True)
    generate(a.month, 1, a.scale, a.seed, out=out)
    from foundation.spec import load_specs

    spec = load_specs()[a.interface]
    path = out / a.month / spec.file_name(a.month)
    server = settings.warehouse_url()
    admin = server.rsplit("/", 1)[0] + "/postgres"
    results = {}
    runs: dict[str, list[float]] = {m: [] for m in trees}
    for rep in range(a.repeat):
        for method, tree in trees.items():
            name = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'create database "{name}"')
            url = server.rsplit("/", 1)[0] + f"/{name}"
            try:
                print(f"[bench] {method} (run {rep + 1}/{a.repeat}) …", flush=True)
                code = child_code(method.split("@")[0], url, a.interface, a.month, str(path))
                r = run_child(code) if tree is None else _run_in(tree, code)
                r["rows_per_second"] = round(r["rows"] / r["seconds"])
                runs[method].append(round(r["seconds"], 2))
                if method not in results or r["seconds"] < results[method]["seconds"]:
                    results[method] = r
                print(f"[bench] {method}: {r['rows']:,} rows in {r['seconds']:.1f}s = {r['rows_per_second']:,} rows/s, "
                      f"peak RSS {r['peak_rss_mib']:.0f} MiB", flush=True)
            finally:
                with psycopg.connect(admin, autocommit=True) as c:
                    c.execute(f'drop database if exists "{name}" with (force)')
    for m in results:
        results[m]["all_runs_seconds"] = runs[m]
    v, p = results["validated"], results["plain_copy"]
    t = results.get("to_sql")
    ratio_copy = v["rows_per_second"] / p["rows_per_second"]
    ratio_to_sql = v["rows_per_second"] / t["rows_per_second"] if t else None
    size_mib = path.stat().st_size / 2**20
    load = os.getloadavg()[0]
    table = ("| method | rows | seconds (best) | rows/s | peak RSS (MiB) | all runs (s) |\n|---|---:|---:|---:|---:|---|\n" +
             "\n".join(f"| {m} | {r['rows']:,} | {r['seconds']:.2f} | {r['rows_per_second']:,} | {r['peak_rss_mib']:.0f} "
                       f"| {', '.join(map(str, r['all_runs_seconds']))} |" for m, r in results.items()) +
             f"\n\nFile: `{path.name}` ({size_mib:.0f} MiB, {spec.encoding}, {len(spec.columns)} columns), scale {a.scale}; "
             f"best of {a.repeat} interleaved run(s) per method; load average at the end {load:.1f} on the shared machine.\n\n"
             f"- validated load / plain COPY = **{ratio_copy:.2f}** (target ≥ 0.8)\n"
             + (f"- validated load / to_sql = **{ratio_to_sql:.1f}×** (target ≥ 10×)\n" if t else
                "- to_sql not run this time (`--methods`); its last figure is in the git history of this file.\n")
             + "".join(f"- {m} / plain COPY = **{r['rows_per_second'] / p['rows_per_second']:.2f}**; this loader is "
                       f"**{r['seconds'] / v['seconds']:.2f}×** as fast as {m} (same rounds)\n"
                       for m, r in results.items() if "@" in m)
             + "- validated load = spec validation of every field (control characters, UTF-8 inside GBK, header, column count, "
               "column rules, ranges, duplicate keys) + COPY + audit + findings, one transaction.\n")
    cmd = f"python -m bench.loader --scale {a.scale} --interface {a.interface}"
    if a.methods != "plain_copy,validated,to_sql":
        cmd += f" --methods {a.methods}"
    if a.repeat != 1:
        cmd += f" --repeat {a.repeat}"
    if a.baseline:
        cmd += f" --baseline {a.baseline}"
    md = write_result("loader", cmd if cmd != f"python -m bench.loader --scale 0.1 --interface {a.interface}"
                      else f"make bench ({cmd})",
                      {"scale": a.scale, "file": path.name, "file_mib": round(size_mib, 1), "results": results,
                       "repeat": a.repeat, "load_average": round(load, 1), "validated_vs_copy": round(ratio_copy, 3),
                       "validated_vs_to_sql": round(ratio_to_sql, 1) if ratio_to_sql else None}, table)
    print(md.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
