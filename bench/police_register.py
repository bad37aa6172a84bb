"""The police register (GAJ_HJRK, GBK) at scale 1.0 without the hour-long generator run: plain COPY vs validated load.

    python -m bench.police_register [--source FILE] [--copies 50] [--rounds 2] [--baseline REV]
                                    [--methods plain_copy,validated,validate_only] [--label L]

The file is made from a small delivered register (`--source`, default the first GAJ_HJRK_*.txt of the drop zone, or
var/exchange of the main checkout; read, never changed) written `--copies` times, copy k with the ID numbers' first
two digits (the province) set to 10 + k and the check digit recomputed where it was right (a wrong one is left as
delivered): at 50 copies ≈ 1.38 GB and ≈ 13.5 M distinct ID numbers, the size of the register at scale 1.0. It is
made once into var/bench/police-register/ (kept for the next run). Then, in `--rounds` rounds, every method in turn,
each in its own process (bench.loader's child code) into the month's raw partition of the database
bench_police_register, the table emptied after each: `plain_copy` (the file as delivered, COPY … ENCODING 'GBK'),
`validated` (loaders.load.load_file: every rule, COPY, audit, findings), `validated@REV` with `--baseline REV` (the
same at git revision REV), `validate_only` (validate_stream into a discarding sink, no database). Per run: wall
seconds, the client's CPU (user + sys, with its COPY writer thread), the server backend's CPU, peak RSS and the
1-minute load average before it. Results: bench/results/police_register[_L].{json,md}.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from bench.common import run_child, write_result
from foundation import settings
from foundation.checkdigits import ID_CHECK, ID_WEIGHTS

MONTH = "202411"
IFACE = "police_hukou_register"
DB = "bench_police_register"


def default_source() -> Path:
    for root in (settings.EXCHANGE, settings.ROOT.parent.parent / "main" / "var" / "exchange"):
        found = sorted(Path(root).glob("*/GAJ_HJRK_*.txt"))
        if found:
            return found[0]
    raise SystemExit("no GAJ_HJRK_*.txt in the drop zone: give one with --source (make generate writes one)")


def build_register(source: Path, out: Path, copies: int) -> dict:
    """`source` written `copies` times into `out`, the ID numbers (field 2, bytes 7–24 of a well-formed line) of copy k
    moved to province 10 + k with their check digit recomputed where it was right. Returns rows and bytes."""
    data = np.frombuffer(source.read_bytes(), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    s = starts[(ends - starts >= 26)]
    s = s[(data[s + 6] == ord("|")) & (data[s + 25] == ord("|"))]
    digits = data[s[:, None] + 7 + np.arange(17)].astype(np.int64) - 48
    s, digits = s[((digits >= 0) & (digits <= 9)).all(axis=1)], digits[((digits >= 0) & (digits <= 9)).all(axis=1)]
    check = np.frombuffer(ID_CHECK.encode(), dtype=np.uint8)
    w = np.array(ID_WEIGHTS, dtype=np.int64)
    last = data[s + 24].copy()
    last[last == ord("x")] = ord("X")
    right = check[(digits * w).sum(axis=1) % 11] == last
    rest = (digits[:, 2:] * w[2:]).sum(axis=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    with tmp.open("wb") as f:
        for k in range(copies):
            p = 10 + k
            copy = data.copy()
            copy[s + 7], copy[s + 8] = 48 + p // 10, 48 + p % 10
            fixed = check[(rest + (p // 10) * w[0] + (p % 10) * w[1]) % 11]
            copy[s[right] + 24] = fixed[right]
            f.write(copy.tobytes())
    tmp.replace(out)
    return {"rows": len(ends) * copies, "bytes": out.stat().st_size}


VALIDATE_ONLY = """
import json, os, time
from pathlib import Path
from foundation.spec import load_specs
from loaders.validate import validate_stream
spec = load_specs()[{iface!r}]
t, c = time.perf_counter(), os.times()
with open({path!r}, "rb") as f:
    res = validate_stream(spec, {month!r}, f, lambda b: None)
secs, c2 = time.perf_counter() - t, os.times()
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"rows": res.rows_read, "loaded": res.rows_loaded, "seconds": secs, "peak_rss_mib": hwm / 1024,
                  "cpu_seconds": c2.user + c2.system - c.user - c.system, "server_cpu_seconds": 0,
                  "findings": res.counts()}}))
"""

def child(method: str, url: str, path: Path) -> str:
    from bench.loader import child_code

    if method == "validate_only":
        return VALIDATE_ONLY.format(iface=IFACE, month=MONTH, path=str(path))
    return child_code(method, url, IFACE, MONTH, str(path))


def main(argv=None) -> int:
    from bench.loader import _baseline_tree, _run_in
    from bench.scale import bench_database, load_average
    from foundation.spec import load_specs
    from loaders import db

    ap = argparse.ArgumentParser(prog="python -m bench.police_register")
    ap.add_argument("--source", type=Path, help="a delivered GAJ_HJRK file (default: the drop zone's first)")
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--baseline", help="git revision whose validated load runs in the same rounds")
    ap.add_argument("--methods", default="plain_copy,validated")
    ap.add_argument("--label")
    a = ap.parse_args(argv)
    var = settings.VAR / "bench" / "police-register"
    path = var / MONTH / f"GAJ_HJRK_{MONTH}.txt"
    made = var / f"made-from-{a.copies}.txt"
    source = a.source or default_source()
    key = f"{source} {source.stat().st_size} {a.copies}"
    if not (path.is_file() and made.is_file() and made.read_text() == key):
        print(f"[bench] writing {path} from {source} × {a.copies} …", flush=True)
        info = build_register(source, path, a.copies)
        made.write_text(key)
    else:
        info = {"rows": None, "bytes": path.stat().st_size}
    methods = a.methods.split(",") + ([f"validated@{a.baseline}"] if a.baseline else [])
    tree = _baseline_tree(a.baseline) if a.baseline else None
    admin, url, env = bench_database(DB, var)
    os.environ.update(env)  # the children's var/ (rejects, reports) and database are the benchmark's
    spec = load_specs()[IFACE]
    runs: list[dict] = []
    try:
        for rnd in range(a.rounds):
            for method in methods:
                load = load_average()
                code = child(method.split("@")[0], url, path)
                r = _run_in(tree, code) if "@" in method else run_child(code, env)
                r.update({"method": method, "round": rnd + 1, "load_before": load, "load_after": load_average()})
                runs.append(r)
                print(f"[bench] round {rnd + 1} {method}: {r['seconds']:.1f} s wall, client CPU {r['cpu_seconds']:.1f} s,"
                      f" server CPU {r['server_cpu_seconds']:.1f} s, {r['loaded']:,} of {r['rows']:,} rows loaded, "
                      f"peak {r['peak_rss_mib']:.0f} MiB, load {load} → {r['load_after']}", flush=True)
                if method != "validate_only":
                    import psycopg

                    with psycopg.connect(url, autocommit=True) as c:
                        c.execute(f"truncate {db.raw_table(spec)}")
                        c.execute("truncate audit.load_batch, audit.load_finding")
                report(a, path, info, methods, runs)
    finally:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'drop database if exists "{DB}" with (force)')
    return 0


def report(a, path: Path, info: dict, methods: list[str], runs: list[dict]) -> None:
    table = ("| round | method | wall s | client CPU s | server CPU s | rows loaded | peak RSS MiB | load avg before → "
             "after |\n|---:|---|---:|---:|---:|---:|---:|---|\n")
    table += "\n".join(f"| {r['round']} | {r['method']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
                       f"{r['server_cpu_seconds']:.1f} | {r['loaded']:,} | {r['peak_rss_mib']:.0f} | "
                       f"{r['load_before']} → {r['load_after']} |" for r in runs)
    plain = {r["round"]: r["seconds"] for r in runs if r["method"] == "plain_copy"}
    table += "\n"
    for m in methods:
        mine = [r for r in runs if r["method"] == m]
        if m == "plain_copy" or not mine:
            continue
        ratios = ", ".join(f"{plain[r['round']] / r['seconds']:.2f}" for r in mine if r["round"] in plain)
        cpu = ", ".join(f"{r['cpu_seconds']:.1f}" for r in mine)
        table += (f"\n- {m}: client CPU {cpu} s"
                  + (f"; plain COPY / this, round by round (the same round's plain COPY): **{ratios}**" if ratios else ""))
    made = a.source.name if a.source else "the drop zone's GAJ_HJRK file"
    table += (f"\n\nFile `{path.name}`: {info['bytes'] / 2**20:,.0f} MiB, GBK, built from {made} × {a.copies} "
              f"(province 10–{9 + a.copies}, check digits recomputed).\n")
    cmd = "python -m bench.police_register" + (f" --copies {a.copies}" if a.copies != 50 else "") + \
        (f" --rounds {a.rounds}" if a.rounds != 2 else "") + (f" --baseline {a.baseline}" if a.baseline else "") + \
        (f" --methods {a.methods}" if a.methods != "plain_copy,validated" else "") + \
        (f" --label {a.label}" if a.label else "")
    write_result("police_register" + (f"_{a.label}" if a.label else ""), cmd,
                 {"file": str(path), "file_bytes": info["bytes"], "copies": a.copies, "runs": runs}, table)


if __name__ == "__main__":
    sys.exit(main())
