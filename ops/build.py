"""The monthly build: load the month's drop (or every month present), then rebuild the warehouse with dbt.

    python -m ops.build [--month YYYYMM] [--force]
"""
from __future__ import annotations

import argparse
import sys
import time

from loaders.load import MonthIncomplete, load_month
from ops import dbt, settings


def build(months: list[str] | None = None, force: bool = False) -> None:
    t0 = time.time()
    months = months or sorted(p.name for p in settings.EXCHANGE.glob("[0-9]" * 6))
    if not months:
        raise SystemExit(f"no drops in {settings.EXCHANGE}: run `make generate` first")
    for m in months:
        print(f"[build] loading {m}", flush=True)
        load_month(m, force=force)
    print("[build] dbt build (seeds, models, snapshot, balance tests)", flush=True)
    rc = dbt.run(["build", "--no-use-colors"], check=False)
    from ops import caches, quality

    for m in months:
        paths = quality.write(m)
        print(f"[build] 数据质量报告 {m}: {paths[0]}", flush=True)
    caches.invalidate()
    if rc != 0:
        print(f"[build] dbt build FAILED (exit {rc}): see the failing tests above and the quality report", flush=True)
        raise SystemExit(rc)
    print(f"[build] done in {time.time() - t0:.0f}s", flush=True)


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
