"""Sharing feeds (数据共享): the outbound flows of the catalogue (services/catalogue/feeds/*.yaml), produced after
each publish (`make publish` runs `python -m cli services feeds --month M`) into
var/outbox/<recipient>/<YYYYMM>/<feed>.<csv|xlsx> with <feed>.manifest.json (feed, recipient, month, file, row
count, SHA-256, fields, produced at). A feed is `delivered` when its file is written and re-read to the same
checksum, `failed` otherwise (with the reason); both are recorded in svc.feed_delivery and shown on the
monitoring dashboard. Runs as the services' database role (wh_services)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import psycopg

from foundation import settings

from . import engine, store
from .catalogue import Feed, catalogue


def outbox() -> Path:
    return settings.get().var / "outbox"


def produce(conn, feed: Feed, month: str) -> dict:
    first = dt.date(int(month[:4]), int(month[4:]), 1)
    folder = settings.private_dir(outbox() / feed.recipient_dir / month)
    path = folder / f"{feed.code}.{feed.format}"
    manifest_path = folder / f"{feed.code}.manifest.json"
    try:
        cur = conn.execute(feed.sql, {"month": first})
        names = [d.name for d in cur.description]
        declared = [f.name for f in feed.fields]
        if names != declared:
            raise ValueError(f"the feed's sql returns {names}, its fields declare {declared}")
        pii = {f.name: f.pii for f in feed.fields}
        rows = [[engine.jsonable(engine.mask_value(v, pii[n], feed.masking)) for n, v in zip(names, r)]
                for r in cur.fetchall()]
        labels = [f.label for f in feed.fields]
        tmp = path.with_suffix(path.suffix + ".part")
        if feed.format == "csv":
            with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow(labels)
                w.writerows([["" if v is None else v for v in r] for r in rows])
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet(feed.name[:31])
            ws.append(labels)
            for r in rows:
                ws.append(r)
            wb.save(tmp)
        tmp.replace(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest = {"feed": feed.code, "name": feed.name, "recipient": feed.recipient, "month": month,
                    "file": path.name, "format": feed.format, "row_count": len(rows), "sha256": digest,
                    "fields": [{"name": f.name, "label": f.label} for f in feed.fields], "masking": feed.masking,
                    "produced_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        settings.write_private(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise OSError("the written file does not re-read to its checksum")
        status, message = "delivered", f"{len(rows)} 行 → {path.relative_to(outbox())}"
    except (psycopg.Error, OSError, ValueError) as exc:
        digest, rows = None, []
        status, message = "failed", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    conn.execute(f"insert into {store.SCHEMA}.feed_delivery (feed_code, feed_name, recipient, data_month, status, "
                 "row_count, sha256, file_name, message) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                 (feed.code, feed.name, feed.recipient, month, status, len(rows) if digest else None, digest,
                  path.name if digest else None, message))
    return {"feed": feed.code, "status": status, "rows": len(rows), "sha256": digest, "message": message,
            "path": str(path) if digest else None}


def run_all(month: str, log=print) -> list[dict]:
    _, feeds = catalogue()
    out = []
    with psycopg.connect(settings.component_url("services"), autocommit=True) as conn:
        for feed in feeds.values():
            r = produce(conn, feed, month)
            log(f"[feeds] {feed.recipient} · {feed.name}: {r['status']} — {r['message']}")
            out.append(r)
    return out


def verify_manifest(manifest_path: Path) -> bool:
    m = json.loads(manifest_path.read_text(encoding="utf-8"))
    data = (manifest_path.parent / m["file"]).read_bytes()
    return hashlib.sha256(data).hexdigest() == m["sha256"]


def main(month: str | None) -> int:
    store.setup(log=lambda m: None)          # idempotent (administrator): the first publish of a fresh machine
    if month is None:
        with psycopg.connect(settings.component_url("services")) as conn:
            row = conn.execute("select to_char(max(month_start), 'YYYYMM') from "
                               "topic_data_services.topic_data_services__person_insurance_month").fetchone()
        month = row[0] if row else None
        if not month:
            print("[feeds] nothing built yet: no month to share", flush=True)
            return 1
    results = run_all(month)
    return 0 if all(r["status"] == "delivered" for r in results) else 1
