"""The monthly build: load the month's drop (or every month present), rebuild the warehouse with dbt
into the review release (schema marts), write the quality reports, and log the run.

    python -m ops.build [--month YYYYMM] [--force]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from loaders.load import MonthIncomplete, load_month
from ops import dbt, runlog, settings


def _failed_tests() -> list[str]:
    results = dbt.run_results()
    if results is None:
        return ["(no run_results.json)"]
    return [r["name"] for r in results if r["status"] in ("fail", "error")]


def build(months: list[str] | None = None, force: bool = False) -> None:
    t0 = time.time()
    months = months or sorted(p.name for p in settings.EXCHANGE.glob("[0-9]" * 6))
    if not months:
        raise SystemExit(f"no drops in {settings.EXCHANGE}: run `make generate` first")
    for m in months:
        print(f"[build] loading {m}", flush=True)
        with runlog.logged("load", m) as entry:
            summary = load_month(m, force=force)
            entry["detail"] = {"files": len(summary), "forced": force,
                               "rejected": sum(v.get("rows_rejected", 0) for v in summary.values())}
            if force:
                entry["result"] = "forced"
    label = months[-1] if len(months) == 1 else f"{months[0]}-{months[-1]}"
    with runlog.logged("build", months[-1]) as entry:
        print("[build] dbt build into the review release (seeds, models, snapshot, balance tests)", flush=True)
        rc = dbt.run(["build", "--no-use-colors"], check=False)
        from ops import caches, quality

        for m in months:
            paths = quality.write(m)
            print(f"[build] 数据质量报告 {m}: {paths[0]}", flush=True)
        caches.invalidate()
        failed = _failed_tests() if rc != 0 else []
        entry["detail"] = {"months": label, "dbt_exit": rc, "failed_tests": failed}
        if rc != 0:
            entry["result"] = "failed"
            print(f"[build] dbt build FAILED (exit {rc}); failing models/tests: {', '.join(failed) or '-'}. "
                  f"See the quality report. The official release is unchanged.", flush=True)
    if rc != 0:
        raise SystemExit(rc)
    print(f"[build] done in {time.time() - t0:.0f}s — review release ready; `make publish MONTH={months[-1]}` "
          f"promotes it", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ops.build")
    ap.add_argument("--month", help="YYYYMM (default: every month in the drop zone)")
    ap.add_argument("--force", action="store_true", help="load even if files are missing (recorded)")
    a = ap.parse_args(argv)
    try:
        build([a.month] if a.month else None, a.force)
    except MonthIncomplete as e:
        print(f"[build] 拒绝: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
