"""Write a month's fixed reports of one release to var/reports/<YYYYMM>/固定报表/<审核版|正式版>/:

- <report>_<YYYYMM>_<district>.xlsx   every report, for 全市 (110000: one row per district + 全市) and for each
                                       district (its months of the year + 本年累计);
- 固定报表_<YYYYMM>_<district>.pdf     the month's report book of that edition, one report per page (one
                                       Chromium batch for all: a PDF per report and district would cost a
                                       browser round trip each);
- index.json                           what was written (the portal lists and serves from it).

    python -m cli fixed-reports --month YYYYMM [--release review|official] [--no-pdf]

Generated after every build (审核版, from `marts`) and every publish (正式版, from `official`).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import psycopg

from documents import html, pdf, xlsx
from foundation import settings, signoff
from pipeline.fixedreports import data, render, spec

FOLDER = "固定报表"


def out_dir(month: str, release: str) -> Path:
    return settings.REPORTS / month / FOLDER / render.RELEASE_LABEL[release]


def _districts(conn, schema: str, report: spec.Report, month: int) -> list[tuple[str, str]]:
    rows = data.beijing_edition(conn, report, schema, month)
    return [(code, label) for code, label, _ in rows]


def generate(month: str, release: str = "review", with_pdf: bool = True, url: str | None = None,
             log=print, pdf_districts: set[str] | None = None) -> dict:
    """Every report of the month and release as XLSX per edition; the PDF books of every edition (or only of
    `pdf_districts`)."""
    t0 = time.time()
    schema = data.SCHEMAS[release]
    key = int(month)
    target = out_dir(month, release)
    settings.private_dir(target)
    made = dt.date.today()
    index = {"month": month, "release": release, "release_label": render.RELEASE_LABEL[release],
             "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "reports": [],
             "books": {}, "districts": {}}
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone():
            raise LookupError(f"没有{render.RELEASE_LABEL[release]}(schema {schema})")
        reviewers = signoff.reviewers(conn) if release == "official" else {}
        if release == "official":
            row = conn.execute("select release_id from official.release_info").fetchone()
            index["release_id"] = row[0] if row else None
        books: dict[str, list] = {}
        for report in spec.reports():
            if key not in data.months(conn, report, schema):
                log(f"[fixed-reports] {report.title}: {schema}.{report.source} 没有 {month} 的数据, 跳过")
                continue
            entry = {"id": report.id, "title": report.title, "system": report.system, "module": report.module,
                     "source": report.source, "files": {}}
            for code, name in _districts(conn, schema, report, key):
                label = "全市" if code == data.BEIJING else name
                t = render.table(conn, report, release, key, code, name, reviewer=reviewers.get(report.module, ""),
                                 made=made)
                path = xlsx.write([t], target / f"{report.id}_{month}_{code}.xlsx", [report.title])
                entry["files"][code] = path.name
                index["districts"][code] = label
                books.setdefault(code, []).append(t)
            index["reports"].append(entry)
    if with_pdf and books:
        jobs = []
        for code, tables in books.items():
            if pdf_districts is not None and code not in pdf_districts:
                continue
            p = target / f"{FOLDER}_{month}_{code}.pdf"
            jobs.append((html.page(tables, f"{FOLDER} {month} {index['districts'][code]}"), p))
            index["books"][code] = p.name
        pdf.print_all(jobs)
    settings.write_private(target / "index.json", json.dumps(index, ensure_ascii=False, indent=1))
    n = sum(len(r["files"]) for r in index["reports"])
    log(f"[fixed-reports] {month} {render.RELEASE_LABEL[release]}: {len(index['reports'])} 张报表 × "
        f"{len(index['districts'])} 个版本 = {n} 个 XLSX, {len(index['books'])} 册 PDF → {target} "
        f"({time.time() - t0:.1f}s)")
    return index


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cli fixed-reports", description="固定报表 XLSX/PDF of a month")
    ap.add_argument("--month", required=True, help="YYYYMM")
    ap.add_argument("--release", choices=("review", "official"), default="official",
                    help="review = 审核版 (schema marts), official = 正式版 (default)")
    ap.add_argument("--no-pdf", action="store_true", help="XLSX only")
    a = ap.parse_args(argv)
    try:
        generate(a.month, a.release, with_pdf=not a.no_pdf)
    except (LookupError, spec.DefinitionError, pdf.PdfError) as e:
        print(f"[fixed-reports] {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
