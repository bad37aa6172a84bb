"""python -m reconcile [--schema marts] [--month YYYYMM ...] [--only pension,unemployment]: compare every published
indicator across mart, cube, Superset datasets and check tables; record the differences in audit.reconciliation;
exit 1 when any cell differs (named on stdout, in Chinese)."""
from __future__ import annotations

import argparse
import sys

from reconcile.core import COMPARISON_LABELS, reconcile, record


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reconcile")
    ap.add_argument("--schema", default="marts", help="release to check: marts (审核版, default) or official")
    ap.add_argument("--month", action="append", help="YYYYMM (repeatable; default every month)")
    ap.add_argument("--only", help="indicator subjects or codes, comma-separated (default all)")
    a = ap.parse_args(argv)
    months = [int(m) for m in a.month] if a.month else None
    diffs, summary = reconcile(schema=a.schema, months=months,
                               only=set(a.only.split(",")) if a.only else None)
    run_id = record(diffs, a.schema)
    print(f"[reconcile] 一数一源核对 #{run_id}: {summary['indicators']} 个指标, {summary['comparisons']} 组比对, "
          f"{summary['cells']} 个单元格; 差异 {len(diffs)} 处", flush=True)
    for d in diffs[:200]:
        print(f"[reconcile] 差异 {d.indicator_code}({d.indicator_name}) {COMPARISON_LABELS.get(d.comparison, d.comparison)}"
              f" {d.published_in} {d.cell()}: 报表集市 {d.mart_value} ≠ {d.other_value}"
              + (f" ({d.note})" if d.note else ""), flush=True)
    if len(diffs) > 200:
        print(f"[reconcile] …… 另有 {len(diffs) - 200} 处差异, 见数据质量报告", flush=True)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
