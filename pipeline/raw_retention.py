"""Raw-layer retention: old months of raw archived to files and detached, restored on demand.

    python -m pipeline.raw_retention plan     [--keep N]   what `archive` would do, and why each interface may or may not
    python -m pipeline.raw_retention archive  [--keep N]   archive the months older than the newest N of each interface
    python -m pipeline.raw_retention restore  --month YYYYMM [--interface NAME]   re-attach archived months
    python -m pipeline.raw_retention list                   months in the database and archived, per interface

The rule (README "Scale"): raw keeps the newest N loaded months of every interface (WAREHOUSE_RAW_KEEP_MONTHS,
default 13: a year and the month a year-on-year change needs) in the database. An older month of an interface is
archived only when nothing rebuilt whole reads it: the dbt project's manifest says which models read the interface
(through staging views); if every one of them is incremental, its history lives in the ODS/DW tables and the raw month
is read again only by a full refresh. Interfaces read by a model rebuilt whole (a `table`, a snapshot, an incremental
model that recomputes every row at a monthly build) stay whole:
archiving them would change that model's figures at the next build. A full refresh refuses while any month is
archived (`pipeline.build`); `restore` brings the months back first.

An archived month is the partition's rows as COPY text, gzip-compressed, in var/archive/raw/<YYYYMM>/<interface>.tsv.gz,
its row count, columns and SHA-256 in audit.raw_archive; the partition is dropped only after the file has been read
back and its rows counted. The delivered files stay in the drop zone and the backups.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path

import psycopg
from psycopg import sql

from foundation import settings
from foundation.months import yyyymm
from foundation.spec import load_specs
from loaders import db as loader_db
from runtime import dbt, runlog

DDL = """
create table if not exists audit.raw_archive (
    interface    text not null,
    data_month   char(6) not null,
    rows         bigint not null,
    columns      text[] not null,
    file         text not null,
    file_bytes   bigint not null,
    file_sha256  text not null,
    archived_at  timestamptz not null default now(),
    archived_by  text not null,
    restored_at  timestamptz,
    restored_by  text,
    primary key (interface, data_month, archived_at)
);
comment on table audit.raw_archive is '原始层归档: 每个接口每个月份归档文件、行数与校验和; restored_at 为空 = 仍在归档中(分区已移除)';
"""

def archive_root() -> Path:
    return settings.VAR / "archive" / "raw"


# ---- which interfaces may be archived -----------------------------------------------------------------------------

def whole_readers(manifest: dict, keep: int | None = None) -> dict[str, list[str]]:
    """Per raw table (interface): the models rebuilt whole that read it, directly or through views. An interface
    with an empty list is read only by models incremental by month (and tests); an incremental model that recomputes
    every row at a monthly build (the topic libraries' daily merge) counts as rebuilt whole.

    A model rebuilt whole that reads a staging view only within a window of the newest months (the topic libraries'
    12 months to the as-of month, the newest loaded one) declares it in its YAML, `meta: {reads_newest_months:
    {stg_x: 12}}`; with `keep` ≥ that window the months it reads are never archived, so through that view it does
    not hold the interface whole (`keep` None: every declaration ignored)."""
    nodes, children = manifest["nodes"], manifest["child_map"]
    out: dict[str, list[str]] = {}
    for uid, src in manifest["sources"].items():
        if src.get("schema") != "raw":
            continue
        found: set[str] = set()
        stack, seen = [(c, ()) for c in children.get(uid, [])], set()
        while stack:
            child, views = stack.pop()
            if (child, views) in seen or child not in nodes:
                continue
            seen.add((child, views))
            node = nodes[child]
            kind = node["resource_type"]
            if kind == "snapshot":
                found.add(node["name"])
            elif kind == "model":
                materialized = node["config"].get("materialized")
                if materialized in ("view", "ephemeral"):
                    stack += [(c, views + (node["name"],)) for c in children.get(child, [])]
                elif (materialized != "incremental" or _recomputes_every_row(node)) \
                        and not _within_window(node, views, keep):
                    found.add(node["name"])
        out.setdefault(src.get("identifier") or src["name"], [])
        out[src.get("identifier") or src["name"]] += sorted(found)
    return out


def _recomputes_every_row(node: dict) -> bool:
    """An incremental model of the identity tables and topic libraries merges only the persons a daily load changed,
    but recomputes every row from staging at each monthly build (macros/topic_incremental.sql): it reads raw as
    whole as a `table` does. Such a model is the one that calls daily_incremental_since()."""
    return any(m.endswith(".daily_incremental_since") for m in (node.get("depends_on") or {}).get("macros") or [])


def _within_window(node: dict, views: tuple[str, ...], keep: int | None) -> bool:
    """Whether the model reads the view it reads directly (the last of `views`) only within the newest `keep`
    months."""
    window = (node.get("meta") or node["config"].get("meta") or {}).get("reads_newest_months") or {}
    return keep is not None and bool(views) and views[-1] in window and int(window[views[-1]]) <= keep


def load_manifest() -> dict:
    manifest = dbt.manifest()
    if manifest is None:
        raise SystemExit(f"[raw] 没有可读的 dbt 清单 {settings.get().dbt_target_path / 'manifest.json'}: "
                         "先运行 `make build`, 才能判断哪些接口可以归档")
    return manifest


# ---- the database side -------------------------------------------------------------------------------------------

def ensure(conn: psycopg.Connection) -> None:
    conn.execute(DDL)


def months_in_database(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Per interface, the months that have a partition (ascending)."""
    rows = conn.execute(
        "select p.relname, c.relname from pg_inherits i join pg_class p on p.oid = i.inhparent "
        "join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = p.relnamespace "
        "where n.nspname = 'raw' and p.relkind = 'p' order by 1, 2").fetchall()
    out: dict[str, list[str]] = {}
    for parent, child in rows:
        month = child.removeprefix(f"{parent}__")
        if len(month) == 6 and month.isdigit():
            out.setdefault(parent, []).append(month)
    return out


def archived(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(interface, month) archived, not restored since and not in the database again: a month delivered again after
    it was archived is loaded into a new partition and is no longer missing (an empty partition — a restore that
    failed half-way — does not count as there)."""
    if conn.execute("select to_regclass('audit.raw_archive')").fetchone()[0] is None:
        return []
    out = []
    for interface, month in conn.execute("select distinct interface, data_month from audit.raw_archive "
                                         "where restored_at is null order by 2, 1").fetchall():
        part = f"raw.{loader_db.partition_name(interface, month)}"
        present = conn.execute("select to_regclass(%s) is not null", (part,)).fetchone()[0] and \
            conn.execute(f"select exists (select from {part})").fetchone()[0]
        if not present:
            out.append((interface, month))
    return out


def plan(conn: psycopg.Connection, keep: int, readers: dict[str, list[str]]) -> tuple[list, dict]:
    """The (interface, month) pairs to archive, and the interfaces kept whole with the models that read them."""
    todo, kept = [], {}
    for interface, months in months_in_database(conn).items():
        old = months[:-keep] if keep > 0 else months
        if not old:
            continue
        if readers.get(interface, ["(不在 dbt 清单中)"]):
            kept[interface] = readers.get(interface) or ["(不在 dbt 清单中)"]
            continue
        todo += [(interface, m) for m in old]
    return todo, kept


def archivable_share(conn: psycopg.Connection, readers: dict[str, list[str]]) -> tuple[int, int, float]:
    """Of the partitioned interfaces in the database: how many `readers` (whole_readers) lets archive (those with no
    whole reader: their months older than the kept ones), how many there are, and the share of raw's bytes (tables and indexes, every month) they hold."""
    sizes = dict(conn.execute(
        "select p.relname, sum(pg_total_relation_size(c.oid))::bigint from pg_inherits i "
        "join pg_class p on p.oid = i.inhparent "
        "join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = p.relnamespace "
        "where n.nspname = 'raw' and p.relkind = 'p' group by 1").fetchall())
    free = [i for i in sizes if not readers.get(i, ["(不在 dbt 清单中)"])]
    total = sum(sizes.values()) or 1
    return len(free), len(sizes), 100.0 * sum(sizes[i] for i in free) / total


def archive_month(conn: psycopg.Connection, interface: str, month: str, log=print) -> dict:
    """One partition → its gzip file (read back and counted) → audit.raw_archive, partition detached and dropped,
    in one transaction after the file is safe."""
    part = sql.Identifier("raw", loader_db.partition_name(interface, month))
    columns = [r[0] for r in conn.execute(
        "select attname from pg_attribute where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped "
        "order by attnum", (f"raw.{loader_db.partition_name(interface, month)}",))]
    folder = archive_root() / month
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{interface}.tsv.gz"
    tmp = path.with_suffix(".tmp")
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    with conn.transaction():
        # the month is locked against a concurrent re-delivery until it is gone from the database
        conn.execute(sql.SQL("lock table {} in share mode").format(part))
        rows = conn.execute(sql.SQL("select count(*) from {}").format(part)).fetchone()[0]
        with gzip.open(tmp, "wb", compresslevel=6) as out, conn.cursor() as cur, cur.copy(
                sql.SQL("copy {} ({}) to stdout").format(part, cols)) as copy:
            for chunk in copy:
                out.write(chunk)
        sha, written = _sha256_and_lines(tmp)
        if written != rows:
            tmp.unlink()
            raise RuntimeError(f"raw.{interface} {month}: 归档文件 {written} 行, 分区 {rows} 行 — 未归档")
        tmp.replace(path)
        conn.execute(
            "insert into audit.raw_archive (interface, data_month, rows, columns, file, file_bytes, file_sha256,"
            " archived_by) values (%s,%s,%s,%s,%s,%s,%s,%s)",
            (interface, month, rows, columns, str(path), path.stat().st_size, sha, settings.get().operator))
        conn.execute(sql.SQL("alter table {} detach partition {}").format(sql.Identifier("raw", interface), part))
        conn.execute(sql.SQL("drop table {}").format(part))
    log(f"[raw] 已归档 raw.{interface} {month}: {rows:,} 行 → {path} ({path.stat().st_size:,} 字节)")
    return {"interface": interface, "month": month, "rows": rows, "file_bytes": path.stat().st_size}


def restore_month(conn: psycopg.Connection, interface: str, month: str, log=print) -> int:
    """The archived month back as the interface's partition (checksum verified first)."""
    row = conn.execute(
        "select rows, columns, file, file_sha256, archived_at from audit.raw_archive where interface = %s "
        "and data_month = %s and restored_at is null order by archived_at desc limit 1", (interface, month)).fetchone()
    if row is None:
        raise SystemExit(f"[raw] raw.{interface} {month} 没有待恢复的归档")
    rows, columns, file, sha, archived_at = row
    path = Path(file)
    actual, lines = _sha256_and_lines(path) if path.exists() else (None, 0)
    if actual != sha or lines != rows:
        raise SystemExit(f"[raw] 归档文件 {path} 缺失或已损坏 (SHA-256 / 行数与 audit.raw_archive 不符): 未恢复")
    spec = load_specs()[interface]
    part = loader_db.month_partition(conn, spec, month)  # an empty partition of the month, created if missing
    with conn.transaction():
        if conn.execute(f"select exists (select from {part})").fetchone()[0]:
            raise SystemExit(f"[raw] raw.{interface} {month} 在库中已有数据 (归档后又加载过): 未恢复, 归档保持原样")
        cols = sql.SQL(", ").join(map(sql.Identifier, columns))
        with gzip.open(path, "rb") as src, conn.cursor() as cur, cur.copy(
                sql.SQL("copy {} ({}) from stdin").format(sql.SQL(part), cols)) as copy:
            while chunk := src.read(1 << 20):
                copy.write(chunk)
        loader_db.create_lookup_indexes(conn, part, interface)
        conn.execute("update audit.raw_archive set restored_at = now(), restored_by = %s where interface = %s "
                     "and data_month = %s and archived_at = %s",
                     (settings.get().operator, interface, month, archived_at))
    conn.execute(f"analyze {part}")
    log(f"[raw] 已恢复 raw.{interface} {month}: {rows:,} 行")
    return rows


def _sha256_and_lines(path: Path) -> tuple[str, int | None]:
    """The file's SHA-256 and its number of lines once decompressed (None: not a whole gzip stream)."""
    h, lines = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
    except (OSError, EOFError, zlib.error):
        return h.hexdigest(), None
    return h.hexdigest(), lines


# ---- the command ---------------------------------------------------------------------------------------------------

def _print_plan(todo: Iterable[tuple[str, str]], kept: dict[str, list[str]], keep: int) -> None:
    todo = list(todo)
    print(f"[raw] 保留规则: 每个接口保留最近 {keep} 个已加载月份; 更早的月份仅当读取它的模型全部为增量模型时归档")
    print(f"[raw] 可归档 {len(todo)} 个接口月份: " + (", ".join(f"{i} {m}" for i, m in todo) or "无"))
    for interface, models in sorted(kept.items()):
        print(f"[raw] 保持完整 raw.{interface}: 被整表重建的模型读取 — {', '.join(models[:4])}"
              + (f" 等 {len(models)} 个" if len(models) > 4 else ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.raw_retention")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("plan", "archive"):
        p = sub.add_parser(name)
        p.add_argument("--keep", type=int, default=settings.get().raw_keep_months,
                       help="months kept in the database per interface (default WAREHOUSE_RAW_KEEP_MONTHS)")
    r = sub.add_parser("restore")
    r.add_argument("--month", required=True, type=yyyymm, help="YYYYMM")
    r.add_argument("--interface", help="only this interface (default: every archived interface of the month)")
    sub.add_parser("list")
    a = ap.parse_args(argv)
    if getattr(a, "keep", 1) < 1:
        ap.error("--keep must be at least 1")
    settings.use_component("loader")  # raw and audit belong to wh_loader
    with psycopg.connect(settings.warehouse_url(), autocommit=True) as conn:
        ensure(conn)
        if a.cmd == "list":
            gone = archived(conn)
            for interface, months in sorted(months_in_database(conn).items()):
                away = sorted(m for i, m in gone if i == interface)
                print(f"{interface}: 库中 {', '.join(months) or '-'}" + (f"; 已归档 {', '.join(away)}" if away else ""))
            return 0
        if a.cmd == "restore":
            pairs = [(i, m) for i, m in archived(conn) if m == a.month and (a.interface in (None, i))]
            if not pairs:
                print(f"[raw] {a.month} 没有待恢复的归档", file=sys.stderr)
                return 4
            with runlog.logged("raw_restore", a.month) as entry:
                entry["detail"] = {"interfaces": len(pairs),
                                   "rows": sum(restore_month(conn, i, m) for i, m in pairs)}
            return 0
        readers = whole_readers(load_manifest(), a.keep)
        todo, kept = plan(conn, a.keep, readers)
        _print_plan(todo, kept, a.keep)
        free, interfaces, share = archivable_share(conn, readers)
        print(f"[raw] 规则允许归档的接口: {free} / {interfaces} 个, 占原始层字节 {share:.1f} % (库中全部月份)")
        if a.cmd == "plan" or not todo:
            return 0
        with runlog.logged("raw_archive", max(m for _, m in todo)) as entry:
            done = [archive_month(conn, i, m) for i, m in todo]
            entry["detail"] = {"keep": a.keep, "archived": len(done), "rows": sum(d["rows"] for d in done),
                               "file_bytes": sum(d["file_bytes"] for d in done)}
    return 0


if __name__ == "__main__":
    sys.exit(main())
