"""审核确认 from the command line: the state of the current round, the printable sheet, and the demo signing.

    python -m cli signoff [--status]          the modules of the current build and who confirmed them
    python -m cli signoff --sheet             the 审核确认单 as XLSX + PDF under var/reports/<month>/审核确认单/
    python -m cli signoff --all-demo          sign every module as the demo department users (marked 演示)

`--all-demo` is what `make demo` and `make test` run between build and publish: nobody reviews synthetic data,
so the demo department accounts confirm it, and the sheet, the run log and the release info say so (demo = true).
Real departments confirm in the portal (/signoff).
"""
from __future__ import annotations

import argparse
import sys

import psycopg

from documents import html, pdf, signoff_sheet, xlsx
from foundation import settings, signoff

DEMO_SIGNER = "演示签核(make demo / make test)"


def sign_all_demo(url: str | None = None, log=print) -> int:
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        signoff.ensure(conn)
        build = signoff.current_build(conn)
        if build is None:
            raise signoff.SignoffError("没有构建记录: 先运行 make build")
        n = 0
        for d in signoff.DEPARTMENTS:
            n += signoff.record(conn, build["run_id"], d.code, list(d.modules), "confirmed",
                                f"dept_{d.code}", f"{d.name}{DEMO_SIGNER}", "演示数据, 自动确认", demo=True)
    log(f"[signoff] 构建 #{build['run_id']} ({build['data_month']}): {n} 个模块已由演示处室账户确认(标记为演示)")
    return n


def write_sheet(url: str | None = None, log=print) -> list:
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        st = signoff.state(conn)
    if st["build"] is None:
        raise signoff.SignoffError("没有构建记录: 先运行 make build")
    month = st["build"]["data_month"] or "unknown"
    t = signoff_sheet.table(st)
    target = settings.private_dir(settings.REPORTS / month / "审核确认单")
    stem = f"审核确认单_{month}_构建{st['build']['run_id']}"
    paths = [xlsx.write([t], target / f"{stem}.xlsx", ["审核确认单"])]
    paths += pdf.print_all([(html.page([t], stem), target / f"{stem}.pdf")], landscape=True)
    for p in paths:
        log(f"[signoff] {p}")
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cli signoff", description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--status", action="store_true", help="the current round (default)")
    g.add_argument("--sheet", action="store_true", help="write the 审核确认单 as XLSX + PDF")
    g.add_argument("--all-demo", action="store_true", help="confirm every module as the demo department users")
    a = ap.parse_args(argv)
    try:
        if a.all_demo:
            sign_all_demo()
        elif a.sheet:
            write_sheet()
        else:
            with psycopg.connect(settings.warehouse_url(), autocommit=True) as conn:
                st = signoff.state(conn)
            if st["build"] is None:
                print("没有构建记录")
                return 1
            print(f"构建 #{st['build']['run_id']} ({st['build']['data_month']}):")
            for m, v in st["modules"].items():
                d = v["decision"]
                what = "未确认" if d is None else f"{signoff_sheet.DECISION[d['decision']]} {d['signer_name']} " \
                    f"{d['signed_at']:%Y-%m-%d %H:%M} {d['comment'] or ''}"
                print(f"  {v['department_name']:<12} {m:<20} {what}")
            missing, rejected = signoff.outstanding(st)
            return 0 if not (missing or rejected) else 4
    except (signoff.SignoffError, pdf.PdfError) as e:
        print(f"[signoff] {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
