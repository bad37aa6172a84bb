"""Load drops into the warehouse.

    python -m loaders load --month 202407 [--force]
    python -m loaders load --all            every month folder in var/exchange
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from foundation import settings
from loaders.load import MonthIncomplete, load_month


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ld = sub.add_parser("load", help="validate and load a month's drop")
    ld.add_argument("--month", help="YYYYMM")
    ld.add_argument("--all", action="store_true", help="every month present in the drop zone")
    ld.add_argument("--force", action="store_true", help="load even if files are missing (recorded)")
    ld.add_argument("--as-of", help="judge completeness as of this date (YYYY-MM-DD, default today)")
    a = ap.parse_args(argv)
    months = sorted(p.name for p in settings.EXCHANGE.glob("[0-9]" * 6)) if a.all else [a.month]
    if not months or months == [None]:
        ap.error("give --month YYYYMM or --all")
    try:
        for m in months:
            load_month(m, force=a.force,
                       as_of=dt.date.fromisoformat(a.as_of) if a.as_of else None)
    except MonthIncomplete as e:
        print(f"[load] 拒绝加载: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
