"""Load drops into the warehouse.

    python -m loaders load --month 202407 [--force]
    python -m loaders load --all            every month folder in var/exchange

Exit status: 0 every file loaded; 3 a month refused (files missing or not matching their marker);
4 a file held (structure or encoding of the whole file), refused or failed — the other files loaded,
the files that did not are listed on stderr and in the error reports.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from foundation import settings
from foundation.months import yyyymm
from loaders.load import MonthIncomplete, load_month, not_loaded


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ld = sub.add_parser("load", help="validate and load a month's drop")
    ld.add_argument("--month", type=yyyymm, help="YYYYMM")
    ld.add_argument("--all", action="store_true", help="every month present in the drop zone")
    ld.add_argument("--force", action="store_true", help="load even if files are missing (recorded)")
    ld.add_argument("--as-of", help="judge completeness as of this date (YYYY-MM-DD, default today)")
    a = ap.parse_args(argv)
    settings.use_component("loader")  # raw and audit only, as wh_loader
    months = sorted(p.name for p in settings.EXCHANGE.glob("[0-9]" * 6)) if a.all else [a.month]
    if not months or months == [None]:
        ap.error("give --month YYYYMM or --all")
    refused, failed = [], []
    for m in months:  # one month's refusal does not stop the others
        try:
            summary = load_month(m, force=a.force, as_of=dt.date.fromisoformat(a.as_of) if a.as_of else None)
        except MonthIncomplete as e:
            refused.append(str(e))
            continue
        failed += [f"{m} {name}: {v['status']} — {v.get('message', '')}" for name, v in not_loaded(summary).items()]
    for line in refused:
        print(f"[load] 拒绝加载: {line}", file=sys.stderr)
    if failed:
        print(f"[load] {len(failed)} 个文件未加载(暂缓/拒收/失败), 其余文件已加载:", file=sys.stderr)
        for line in failed:
            print(f"  - {line}", file=sys.stderr)
    return 3 if refused else 4 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
