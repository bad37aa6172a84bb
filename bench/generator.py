"""Generator throughput: one whole month of every source at a given scale, in rows per second.

    python -m bench.generator [--scale 0.1]
"""
from __future__ import annotations

import argparse
import shutil
import sys

from bench.common import run_child, write_result
from foundation import settings

CHILD = """
import json, time
from pathlib import Path
from synth.__main__ import generate
out = Path({out!r})
t = time.perf_counter()
generate("202407", 1, {scale}, 42, out=out, force=True, log=lambda *_: None)
secs = time.perf_counter() - t
files = [p for p in (out / "202407").iterdir() if p.suffix == ".txt"]
rows = sum(p.read_bytes().count(b"\\n") for p in files)
mib = sum(p.stat().st_size for p in files) / 2**20
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"seconds": secs, "rows": rows, "files": len(files), "mib": mib, "peak_rss_mib": hwm / 1024}}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generator")
    ap.add_argument("--scale", type=float, default=0.1)
    a = ap.parse_args(argv)
    out = settings.VAR / "bench" / f"generator{a.scale}"
    print(f"[bench] generating one month of every source at scale {a.scale} …", flush=True)
    r = run_child(CHILD.format(out=str(out), scale=a.scale))
    shutil.rmtree(out, ignore_errors=True)
    r["rows_per_second"] = round(r["rows"] / r["seconds"])
    print(f"[bench] {r['rows']:,} rows in {r['files']} files ({r['mib']:.0f} MiB) in {r['seconds']:.1f}s "
          f"= {r['rows_per_second']:,} rows/s, peak RSS {r['peak_rss_mib']:.0f} MiB", flush=True)
    table = ("| scale | files | rows | MiB | seconds | rows/s | peak RSS (MiB) |\n|---:|---:|---:|---:|---:|---:|---:|\n"
             f"| {a.scale} | {r['files']} | {r['rows']:,} | {r['mib']:.0f} | {r['seconds']:.1f} | "
             f"{r['rows_per_second']:,} | {r['peak_rss_mib']:.0f} |\n\n"
             f"Target: a whole month at scale 0.1 in under a minute on 2 cores — "
             f"{'met' if a.scale != 0.1 or r['seconds'] < 60 else 'NOT met'} ({r['seconds']:.0f} s, including "
             f"building the population, every source, error-free rendering, markers and check tables).\n")
    write_result("generator", f"make bench (python -m bench.generator --scale {a.scale})",
                 {"scale": a.scale, **r}, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
