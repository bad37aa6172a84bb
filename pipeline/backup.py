"""Backups per period, never overwritten, each with a checksum manifest; and a restore test.

    python -m pipeline.backup backup [--month YYYYMM]     full base backup (first of the period) or incremental
    python -m pipeline.backup restore-test                restore the latest chain into a scratch cluster and verify
    python -m pipeline.backup list

Layout: var/backups/<YYYYMM>/<timestamp>_<full|incr>/
    pgdata/               pg_basebackup (PostgreSQL 18): full, or --incremental against the previous
                          backup of the chain (WAL summarisation is on in the embedded cluster)
    sources/              the period's drop as delivered (interface files, markers, check tables)
    superset/superset.db  Superset's metadata (SQLite online-backup copy)
    tables.json           row counts and content checksums of key tables at backup time
    SHA256SUMS            checksum of every file above
Each period starts a new chain with a full backup; later backups in the period are incremental.
Retention: the chains of the last WAREHOUSE_BACKUP_RETAIN periods are kept (default 3); older periods are pruned
after a successful backup. The restore test combines the latest chain (pg_combinebackup), verifies the
full backup (pg_verifybackup), starts it on a scratch port, and compares row counts and checksums.
Needs the embedded cluster (or an external server whose user may replicate).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from foundation import settings
from runtime import pg, runlog

BACKUPS = settings.VAR / "backups"
# Tables whose content is checksummed (row counts are taken for every table of these schemas).
KEY_TABLES = ["official.rpt_pension_overview", "official.release_info", "audit.load_batch", "audit.run_log",
              "raw.check_table"]
COUNT_SCHEMAS = ["raw", "official", "official_previous", "audit"]  # not marts: the review build is work in progress


def _tool(name: str) -> str:
    return str(pg.bin_dir() / name)


def _table_state(url: str) -> dict:
    state = {"row_counts": {}, "checksums": {}}
    with psycopg.connect(url) as conn:
        for schema, table in conn.execute(
                "select table_schema, table_name from information_schema.tables where table_schema = any(%s) "
                "and table_type = 'BASE TABLE' order by 1, 2", (COUNT_SCHEMAS,)).fetchall():
            state["row_counts"][f"{schema}.{table}"] = conn.execute(
                f'select count(*) from {schema}."{table}"').fetchone()[0]
        for t in KEY_TABLES:
            if conn.execute("select to_regclass(%s)", (t,)).fetchone()[0]:
                state["checksums"][t] = conn.execute(
                    f"select md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) from {t} x").fetchone()[0]
    return state


def _sha256sums(folder: Path) -> None:
    lines = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "SHA256SUMS":
            h = hashlib.sha256()
            with p.open("rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            lines.append(f"{h.hexdigest()}  {p.relative_to(folder).as_posix()}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def verify_sums(folder: Path) -> list[str]:
    bad = []
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        p = folder / name
        h = hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "missing"
        if h != digest:
            bad.append(name)
    return bad


def chain(period: str) -> list[Path]:
    return sorted(p for p in (BACKUPS / period).glob("*_*") if (p / "SHA256SUMS").exists())


def backup(month: str | None = None, log=print) -> Path:
    month = month or dt.date.today().strftime("%Y%m")
    url = settings.warehouse_url()
    with runlog.logged("backup", month) as entry:
        prev = chain(month)
        kind = "incr" if prev else "full"
        dest = BACKUPS / month / f"{dt.datetime.now():%Y%m%dT%H%M%S}_{kind}"
        if dest.exists():
            raise SystemExit(f"{dest} exists: backups are never overwritten")
        dest.mkdir(parents=True)
        t0 = time.time()
        p = settings.url_parts(url)
        cmd = [_tool("pg_basebackup"), "-h", p["host"], "-p", str(p["port"]), "-U", p["user"], "-D",
               str(dest / "pgdata"), "-Fp", "-X", "stream", "-c", "fast", "--manifest-checksums=SHA256", "--no-password"]
        if kind == "incr":
            cmd.append(f"--incremental={prev[-1] / 'pgdata' / 'backup_manifest'}")
        subprocess.run(cmd, check=True, env={**os.environ, "PGPASSWORD": p["password"]}, capture_output=True, text=True)
        src = settings.EXCHANGE / month
        if src.exists():
            shutil.copytree(src, dest / "sources")
        ss = settings.VAR / "superset" / "superset.db"
        if ss.exists():
            (dest / "superset").mkdir()
            with sqlite3.connect(ss) as s, sqlite3.connect(dest / "superset" / "superset.db") as d:
                s.backup(d)
        state = _table_state(url)
        (dest / "tables.json").write_text(json.dumps({"taken_at": dt.datetime.now().isoformat(), "kind": kind,
                                                      "based_on": prev[-1].name if prev else None, **state},
                                                     ensure_ascii=False, indent=1))
        _sha256sums(dest)
        size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
        pruned = prune()
        entry["detail"] = {"path": str(dest), "kind": kind, "bytes": size, "pruned": pruned}
        log(f"[backup] {month}: {kind} backup → {dest} ({size / 2**20:.0f} MiB, {time.time() - t0:.1f}s)"
            + (f"; pruned {', '.join(pruned)}" if pruned else ""))
        return dest


def prune() -> list[str]:
    periods = sorted(p.name for p in BACKUPS.glob("[0-9]" * 6) if chain(p.name))
    retain = settings.get().backup_retain
    old = periods[:-retain] if len(periods) > retain else []
    for name in old:
        shutil.rmtree(BACKUPS / name)
    return old


def restore_test(log=print) -> dict:
    periods = sorted(p.name for p in BACKUPS.glob("[0-9]" * 6) if chain(p.name))
    if not periods:
        raise SystemExit("no backups yet: run `make backup`")
    backups = chain(periods[-1])
    with runlog.logged("restore_test", periods[-1]) as entry:
        t0 = time.time()
        for b in backups:
            bad = verify_sums(b)
            if bad:
                raise SystemExit(f"checksum mismatch in {b}: {bad[:5]}")
        res = subprocess.run([_tool("pg_verifybackup"), "-n", str(backups[0] / "pgdata")], capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"pg_verifybackup failed for {backups[0]}: {res.stderr}")
        scratch = pg.service_dir("restore-test")  # var/restore-test, or (as root) where the cluster's user reaches
        if scratch.exists():
            _stop(scratch)
            shutil.rmtree(scratch)
        scratch.mkdir(parents=True)
        data = scratch / "pgdata"
        if len(backups) == 1:
            shutil.copytree(backups[0] / "pgdata", data)
        else:
            subprocess.run([_tool("pg_combinebackup"), "-o", str(data), *[str(b / "pgdata") for b in backups]],
                           check=True, capture_output=True, text=True)
        user = pg._run_as()
        if user:
            import pwd

            ent = pwd.getpwnam(user)
            for p in [scratch, *scratch.rglob("*")]:
                os.chown(p, ent.pw_uid, ent.pw_gid)
        data.chmod(0o700)
        (data / "postmaster.pid").unlink(missing_ok=True)
        subprocess.run([_tool("pg_ctl"), "-D", str(data), "-l", str(scratch / "server.log"), "-w", "-t", "120",
                        "-o", f"-p {settings.get().restore_port} -k {shlex.quote(str(data))} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB",
                        "start"], check=True, user=user, capture_output=True, text=True)
        try:
            from urllib.parse import quote

            p = settings.url_parts(settings.admin_url())  # the scratch copy: the cluster's owner
            url = f"postgresql://{p['user']}:{quote(p['password'], safe='')}@127.0.0.1:{settings.get().restore_port}/{p['dbname']}"
            restored = _table_state(url)
        finally:
            _stop(scratch)
        expected = json.loads((backups[-1] / "tables.json").read_text())
        diffs = {k: (v, restored["row_counts"].get(k)) for k, v in expected["row_counts"].items()
                 if restored["row_counts"].get(k) != v}
        diffs.update({k: (v, restored["checksums"].get(k)) for k, v in expected["checksums"].items()
                      if restored["checksums"].get(k) != v})
        shutil.rmtree(scratch, ignore_errors=True)
        result = {"chain": [b.name for b in backups], "tables_checked": len(expected["row_counts"]),
                  "checksums_checked": len(expected["checksums"]), "differences": diffs,
                  "seconds": round(time.time() - t0, 1)}
        entry["detail"] = result
        if diffs:
            entry["result"] = "failed"
            raise SystemExit(f"restore test FAILED: {diffs}")
        log(f"[restore-test] OK: chain {' + '.join(result['chain'])} restored and started; "
            f"{result['tables_checked']} row counts and {result['checksums_checked']} checksums match "
            f"({result['seconds']}s)")
        return result


def _stop(scratch: Path) -> None:
    data = scratch / "pgdata"
    if (data / "postmaster.pid").exists():
        subprocess.run([_tool("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user=pg._run_as(),
                       capture_output=True)


def main(argv=None) -> int:
    settings.use_component("backup")  # replication + read-only role wh_backup, never the owner
    ap = argparse.ArgumentParser(prog="python -m pipeline.backup", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("backup")
    b.add_argument("--month")
    sub.add_parser("restore-test")
    sub.add_parser("list")
    a = ap.parse_args(argv)
    if a.cmd == "backup":
        backup(a.month)
    elif a.cmd == "restore-test":
        restore_test()
    else:
        for period in sorted(p.name for p in BACKUPS.glob("[0-9]" * 6)):
            for c in chain(period):
                print(f"{period}  {c.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
