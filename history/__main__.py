"""python -m history sync | load-published | load-warehouse [--month M] | report --month M [--asof T] | import FILE [--commit]"""
from __future__ import annotations

import argparse
import json
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m history")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sync", help="create schema history and load the catalogue YAML")
    sub.add_parser("load-published", help="load history/data/published_statistics.csv")
    p = sub.add_parser("load-warehouse", help="write the official release's indicators as a vintage")
    p.add_argument("--month")
    p = sub.add_parser("report", help="generate the 监测月报")
    p.add_argument("--month", required=True)
    p.add_argument("--asof")
    p = sub.add_parser("import", help="validate (and with --commit import) an XLSX/CSV file")
    p.add_argument("file")
    p.add_argument("--commit", action="store_true")
    sub.add_parser("template", help="write the import template XLSX")
    a = ap.parse_args(argv)
    from history import load, store

    try:
        if a.cmd == "sync":
            with store.connect() as conn:
                print(f"[history] 指标体系版本 {store.sync_catalogue(conn)}")
        elif a.cmd == "load-published":
            with store.connect() as conn:
                load.load_published(conn)
        elif a.cmd == "load-warehouse":
            with store.connect() as conn:
                load.load_warehouse(conn, a.month)
        elif a.cmd == "report":
            from history import report

            paths = report.generate(a.month, asof=a.asof)
            print(json.dumps({k: str(v) for k, v in paths.items()}, ensure_ascii=False))
        elif a.cmd == "template":
            from history import imports

            print(imports.write_template())
        elif a.cmd == "import":
            from history import imports

            with open(a.file, "rb") as fh:
                data = fh.read()
            with store.connect() as conn:
                prev = imports.validate(conn, a.file, data)
                if prev["errors"]:
                    for e in prev["errors"]:
                        print(f"[import] {e['where']} {e['column']}: {e['rule']} — {e['message']}", file=sys.stderr)
                    print(f"[import] {len(prev['errors'])} 处错误, 未导入任何数据", file=sys.stderr)
                    return 4
                print(f"[import] 预览: 新增 {prev['summary']['new']}, 修改 {prev['summary']['changed']}, 未变 {prev['summary']['unchanged']}")
                if a.commit:
                    res = imports.commit_rows(conn, prev["rows"], a.file)
                    print(f"[import] 已导入 (load {res['load_id']})")
    except load.LoadError as e:
        print(f"[history] {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
